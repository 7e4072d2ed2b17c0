/**
 * The operations of the scaling bench, in a module of their own: each point runs in a process
 * whose peak memory is the figure, so it must not load the chart and report code to learn them.
 */
export const SCALE_OPERATIONS = ['scan', 'sync', 'export', 'restore', 'search'] as const;
export type ScaleOperation = (typeof SCALE_OPERATIONS)[number];
