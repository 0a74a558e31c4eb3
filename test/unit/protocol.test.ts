import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isPanelState, parseWebviewMessage } from '../../src/shared/protocol';

test('valid webview messages pass', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'ready', incidentId: 'inc-1' }), { type: 'ready', incidentId: 'inc-1' });
  assert.deepEqual(parseWebviewMessage({ type: 'runStep', node: 'M' }), { type: 'runStep', node: 'M' });
  assert.deepEqual(parseWebviewMessage({ type: 'override', action: 'confirmLegitimate' }), {
    type: 'override',
    action: 'confirmLegitimate',
  });
  assert.deepEqual(parseWebviewMessage({ type: 'svgRendered', key: 'k', svg: '<svg></svg>', ms: 3 }), {
    type: 'svgRendered',
    key: 'k',
    svg: '<svg></svg>',
    ms: 3,
  });
  assert.deepEqual(parseWebviewMessage({ type: 'selectIncident', id: 'x' }), { type: 'selectIncident', id: 'x' });
});

test('malformed, unknown or oversized messages are rejected', () => {
  const bad: unknown[] = [
    null,
    'ready',
    [],
    { type: 'nope' },
    { type: 'runStep', node: 'Z' },
    { type: 'runStep', node: 'A; rm -rf /' },
    { type: 'override', action: 'delete' },
    { type: 'svgRendered', key: 'k', svg: '<script>', ms: 1 },
    { type: 'svgRendered', key: 'k', svg: '<svg' + 'x'.repeat(5 * 1024 * 1024), ms: 1 },
    { type: 'svgRendered', key: 'k', svg: '<svg/>', ms: Infinity },
    { type: 'selectIncident', id: '' },
    { type: 'selectIncident', id: 'x'.repeat(1000) },
    { type: 'ready', incidentId: 42 },
    { type: 'timing', name: 't', ms: NaN },
    { type: 'log', level: 'warn', message: 'x' },
  ];
  for (const m of bad) assert.equal(parseWebviewMessage(m), null, JSON.stringify(m)?.slice(0, 80));
  assert.equal(parseWebviewMessage({ type: 'log', level: 'error', message: 'x'.repeat(5000) })?.type, 'log');
});

test('the validator never throws', () => {
  fc.assert(fc.property(fc.anything(), (m) => void parseWebviewMessage(m)));
  fc.assert(
    fc.property(
      fc.record({
        type: fc.constantFrom('ready', 'runStep', 'override', 'svgRendered', 'selectIncident', 'timing', 'log'),
        node: fc.anything(),
        id: fc.anything(),
        svg: fc.anything(),
        ms: fc.anything(),
        key: fc.anything(),
        action: fc.anything(),
        level: fc.anything(),
        message: fc.anything(),
        name: fc.anything(),
        incidentId: fc.anything(),
      }),
      (m) => void parseWebviewMessage(m),
    ),
  );
});

test('panel state', () => {
  assert.ok(isPanelState({ incidentId: 'inc-1' }));
  assert.ok(!isPanelState({ incidentId: '' }));
  assert.ok(!isPanelState(null));
});
