export const INITIAL_BUDGET_BYTES: number;
export interface Chunk {
  file: string;
  bytes: number;
  initial: boolean;
}
export function measureRenderer(rendererDir: string): { chunks: Chunk[]; initialBytes: number };
