import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID, Views } from '../../src/constants';
import { api, extensionPath } from './util';

suite('activation', () => {
  test('the extension activates in the real extension host and returns its API', async () => {
    const a = await api();
    assert.ok(a.model);
    assert.ok(a.treeView);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });

  test('it runs on the Node the host provides (client-node 2.x needs >= 22.19)', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    assert.ok(major > 22 || (major === 22 && minor >= 19), process.versions.node);
  });

  test('every command in package.json is registered, and every registered pfIncident command is contributed', async () => {
    await api();
    const pkg = JSON.parse(fs.readFileSync(extensionPath('package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[] };
    };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('pfIncident.'));
    // VS Code itself registers "<view id>.<action>" commands for every view; those are not ours.
    const viewCommand = new RegExp(
      `^${Views.incidents.replace('.', '\\.')}\\.(focus|resetViewLocation|toggleVisibility|removeView|open)$`,
    );
    const ours = registered.filter((c) => !viewCommand.test(c));
    for (const c of contributed) assert.ok(registered.includes(c), `${c} is contributed but not registered`);
    for (const c of ours) assert.ok(contributed.includes(c), `${c} is registered but not contributed`);
    assert.deepEqual(contributed, Object.values(Commands).sort());
  });

  test('the Incidents view can be focused', async () => {
    await api();
    await vscode.commands.executeCommand(`${Views.incidents}.focus`);
  });
});
