/** A call's IPC channel. Kept apart from the contract so the preload can name channels without zod. */
export const channelName = (call: string): string => `pointkeeper:${call}`;
