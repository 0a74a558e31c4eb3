import type { PanelState, WebviewToHost } from '../src/shared/protocol';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called only once per webview.
const api = acquireVsCodeApi();

export function post(msg: WebviewToHost): void {
  api.postMessage(msg);
}

export function getState(): PanelState | undefined {
  const s = api.getState();
  return s && typeof s === 'object' && typeof (s as PanelState).incidentId === 'string' ? (s as PanelState) : undefined;
}

export function setState(s: PanelState): void {
  api.setState(s);
}
