// The second webview script, loaded only when a flowchart must be rendered (not when a cached SVG exists):
// mermaid is ~3 MB, and loading it costs more than everything else the panel does.
import mermaid from 'mermaid';

(globalThis as unknown as { pfMermaid: typeof mermaid }).pfMermaid = mermaid;
