import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupMissingPermissions, permissionLabel } from '../../src/tree/permissions';

test('missing permissions: one row per resource with every verb, in the order first seen', () => {
  const rows = groupMissingPermissions([
    'list rollbacks.ops.prov-fabric.io',
    'watch rollbacks.ops.prov-fabric.io',
    'list events in monitoring',
    'watch events in monitoring',
    'get pods/log in monitoring',
    'list rollbacks.ops.prov-fabric.io',
    'odd',
  ]).map(permissionLabel);
  assert.deepEqual(rows, [
    'list, watch rollbacks.ops.prov-fabric.io',
    'list, watch events in monitoring',
    'get pods/log in monitoring',
    'odd',
  ]);
  assert.deepEqual(groupMissingPermissions([]), []);
});
