import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Commands, CONFIG_SECTION, Settings, Views } from '../../src/constants';
import { DEFAULT_THRESHOLDS, THRESHOLD_NAMES } from '../../src/core/thresholds';
import { REPO_ROOT } from './helpers';

interface Manifest {
  name: string;
  displayName: string;
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    viewsWelcome: { view: string; contents: string }[];
    menus: Record<string, { command: string; submenu?: string; when?: string }[]>;
    submenus?: { id: string; label: string }[];
    configuration: { properties: Record<string, { default: unknown }> };
  };
}
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

test('identity: package name, display name, main bundle', () => {
  assert.equal(pkg.name, 'pf-incident-response');
  assert.equal(pkg.displayName, 'PF Incident Response');
  assert.equal(pkg.main, './dist/extension.js');
});

test('engines.vscode targets a release whose extension host runs Node >= 22.19 (1.125+ runs Node 24)', () => {
  const m = /^\^1\.(\d+)\.\d+$/.exec(pkg.engines.vscode);
  assert.ok(m, pkg.engines.vscode);
  assert.ok(Number(m[1]) >= 125);
});

test('every contributed command is in constants.ts and vice versa, ids pfIncident.<area>.<verb>, one category', () => {
  const contributed = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(contributed, Object.values(Commands).sort());
  for (const c of pkg.contributes.commands) {
    assert.match(c.command, /^pfIncident\.[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
    assert.equal(c.category, 'PF Incident');
  }
  assert.equal(pkg.contributes.commands.find((c) => c.command === Commands.openLog)?.title, 'Open Incident Log…');
});

test('menus reference only contributed commands', () => {
  const ids = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
    for (const i of items) {
      if (i.submenu !== undefined) {
        assert.ok(
          pkg.contributes.submenus?.some((s) => s.id === i.submenu),
          `${menu} -> submenu ${i.submenu}`,
        );
      } else assert.ok(ids.has(i.command), `${menu} -> ${i.command}`);
    }
  }
});

test('the Incidents view container, view and welcome content', () => {
  const container = pkg.contributes.viewsContainers.activitybar.find((c) => c.id === Views.container);
  assert.equal(container?.title, 'Incidents');
  assert.ok(fs.existsSync(path.join(REPO_ROOT, container?.icon ?? '')));
  assert.deepEqual(
    pkg.contributes.views[Views.container]?.map((v) => v.id),
    [Views.incidents],
  );
  const welcome = pkg.contributes.viewsWelcome.find((w) => w.view === Views.incidents);
  assert.ok(welcome?.contents.includes(`command:${Commands.openLog}`));
});

test('lazy activation: no eager activation events', () => {
  assert.ok(!pkg.activationEvents.includes('*'));
  assert.ok(!pkg.activationEvents.includes('onStartupFinished'));
});

test('every triage threshold is a setting with the spec default', () => {
  const props = pkg.contributes.configuration.properties;
  for (const name of THRESHOLD_NAMES) {
    const key = `${CONFIG_SECTION}.${Settings[name]}`;
    assert.ok(props[key], `missing setting ${key}`);
    assert.equal(props[key]?.default, DEFAULT_THRESHOLDS[name], key);
  }
  for (const key of Object.keys(props)) assert.ok(key.startsWith(`${CONFIG_SECTION}.`));
});

test('the sample incident log ships in the extension', () => {
  const ignore = fs.readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8');
  assert.match(ignore, /!media\/samples\/\*\*/);
  assert.ok(fs.statSync(path.join(REPO_ROOT, 'media/samples/incident-bot.log')).size > 1000);
});
