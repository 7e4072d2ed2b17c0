import { contextBridge, ipcRenderer } from 'electron';
import type { PointkeeperApi, PointkeeperCalls } from '../shared/api';
import { CALL_NAMES, channelOf } from '../shared/contract';

// Exactly the contract's calls, one function each, and nothing else: no generic invoke, no
// ipcRenderer, no channel the page could choose. contextBridge copies and freezes the object.
const calls = Object.fromEntries(
  CALL_NAMES.map((name) => [name, (input: unknown) => ipcRenderer.invoke(channelOf(name), input)]),
) as unknown as PointkeeperCalls;

const api: PointkeeperApi = { calls, transport: 'electron' };
contextBridge.exposeInMainWorld('pointkeeper', api);
