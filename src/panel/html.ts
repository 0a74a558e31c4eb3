import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return crypto.randomBytes(18).toString('base64');
}

/**
 * The panel's HTML shell. Data never goes into this HTML: it arrives by postMessage after the "ready" handshake.
 */
export function panelHtml(webview: vscode.Webview, distWebview: vscode.Uri): string {
  const n = nonce();
  const main = webview.asWebviewUri(vscode.Uri.joinPath(distWebview, 'main.js'));
  const mermaid = webview.asWebviewUri(vscode.Uri.joinPath(distWebview, 'mermaid.js'));
  const styles = webview.asWebviewUri(vscode.Uri.joinPath(distWebview, 'main.css'));
  // Scripts: nonce only (mermaid is loaded on demand as a second nonce'd script). Styles need 'unsafe-inline'
  // only because mermaid writes a <style> element and style="" attributes into its SVG and has no nonce option
  // (mermaid-js/mermaid#856); with default-src 'none' and no connect-src that leaves no way to exfiltrate.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${n}'`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styles.toString()}">
<title>Triage</title>
</head>
<body>
<div id="app" data-mermaid="${mermaid.toString()}">
  <header id="header"><div id="title" class="loading">Loading triage…</div></header>
  <div id="banner" class="banner" hidden></div>
  <main id="layout">
    <section id="chart-wrap" aria-label="Playbook triage flowchart"><div id="chart"></div><div id="chart-error" class="error" hidden></div></section>
    <aside id="side">
      <h2>Path</h2>
      <ol id="steps"></ol>
      <div id="warnings"></div>
      <div id="actions">
        <vscode-button id="confirm" secondary>Confirm as legitimate</vscode-button>
        <vscode-button id="mark-fp" secondary>Mark false positive…</vscode-button>
      </div>
      <label class="pick">Incident <select id="incident-select" aria-label="Incident"></select></label>
    </aside>
  </main>
  <section id="metrics" aria-label="Incident-bot metrics"><h2>Incident-bot metrics</h2><div id="metrics-body" class="muted">No metrics yet.</div></section>
</div>
<script nonce="${n}" src="${main.toString()}"></script>
</body>
</html>`;
}
