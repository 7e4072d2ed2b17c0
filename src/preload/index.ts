import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PointkeeperApi, PointkeeperCalls } from '../shared/api';
// The names only (generated from the contract): the contract itself would bring zod along.
import { CALL_NAME_LIST } from '../shared/channels.generated';
import { channelName } from '../shared/channels';
import { PROGRESS_CHANNEL, type ProgressListener } from '../shared/progress';

// Exactly the contract's calls, one function each, and nothing else: no generic invoke, no
// ipcRenderer, no channel the page could choose. contextBridge copies and freezes the object.
const calls = Object.fromEntries(
  CALL_NAME_LIST.map((name) => [name, (input: unknown) => ipcRenderer.invoke(channelName(name), input)]),
) as unknown as PointkeeperCalls;

/** The one pushed channel: the listener gets the event's payload (never the IPC event) and an unsubscribe. */
function onProgress(listener: ProgressListener): () => void {
  const wrapped = (_event: IpcRendererEvent, payload: Parameters<ProgressListener>[0]) => listener(payload);
  ipcRenderer.on(PROGRESS_CHANNEL, wrapped);
  return () => void ipcRenderer.removeListener(PROGRESS_CHANNEL, wrapped);
}

const api: PointkeeperApi = { calls, onProgress, transport: 'electron' };
contextBridge.exposeInMainWorld('pointkeeper', api);
