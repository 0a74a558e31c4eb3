// Builds (once) and locates the binaries of a real, process-based Kubernetes control plane for the cluster tests:
// kube-apiserver, kube-controller-manager and kube-scheduler built from the `k8s.io/kubernetes` module, the kwok
// controller and kwokctl from `sigs.k8s.io/kwok`, and etcd from Debian trixie's `etcd-server` package (or, if apt
// cannot provide it, built from the Go module proxy). Everything lands in a cache directory OUTSIDE the clone so
// that a fresh clone builds once (~10-25 min on 2 cores) and later runs only check marker files (milliseconds).
//
// Cache layout (root = ${PF_CACHE_DIR:-~/.cache/pf-incident-response}):
//   <root>/cluster-k8s-v1.33.13-kwok-v0.8.0/         one directory per version set (see CLUSTER_DIR_NAME)
//     bin/kube-apiserver, kube-controller-manager,   the executables
//         kube-scheduler, kwok, kwokctl, etcd,
//         kubectl (only when no usable kubectl is on the machine)
//     bin/<name>.ok                                   marker per binary: JSON with version + build time; a binary
//                                                     without its marker counts as missing (interrupted build)
//     kwok/crds/*.yaml, kwok/stages/*.yaml            kwok's own CRDs and default Stages, copied out of the kwok
//                                                     module so that a cluster starts without the Go module cache
//     build/k8s/go.mod, build/etcd/go.mod             throwaway modules used for the builds (kept for debugging)
//     .lock/                                          held while building (two parallel `npm test` runs wait)
//   <root>/go/mod, <root>/go/build-cache              GOMODCACHE / GOCACHE of these builds, isolated from the
//                                                     user's own Go caches so the cold cost is predictable; removed
//                                                     after a complete build (PF_CLUSTER_KEEP_GO_CACHE=1 keeps them)
//
// Nothing here is committed; nothing downloads at cluster start time.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// --- versions -------------------------------------------------------------------------------------------------------
// v1.33.x: served by the Go proxy with all its staging modules at v0.33.13, builds with Go 1.26, and stays within
// kubectl's +/-1 minor version skew of the kubectl 1.32 that machines of this kind ship in /usr/bin/kubectl.
export const KUBE_VERSION = 'v1.33.13';
// v0.8.0 is the newest kwok; it needs Go 1.26 (this machine's toolchain) and has no replace directives.
export const KWOK_VERSION = 'v0.8.0';
// Kubernetes 1.31+ wants etcd >= 3.5.11. Debian trixie ships 3.5.16; the Go-proxy fallback builds 3.5.21, the etcd
// that Kubernetes 1.33 itself was released with.
export const ETCD_MIN_VERSION = '3.5.11';
export const ETCD_GO_VERSION = 'v3.5.21';

const CLUSTER_DIR_NAME = `cluster-k8s-${KUBE_VERSION}-kwok-${KWOK_VERSION}`;
const LOG_PREFIX = '[cluster-binaries]';

export function cacheRoot() {
  return process.env.PF_CACHE_DIR || path.join(os.homedir(), '.cache', 'pf-incident-response');
}

export function clusterCacheDir() {
  return path.join(cacheRoot(), CLUSTER_DIR_NAME);
}

function binDir() {
  return path.join(clusterCacheDir(), 'bin');
}

const K8S_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const KWOK_BINARIES = ['kwok', 'kwokctl'];

// --- small helpers --------------------------------------------------------------------------------------------------
const t0 = Date.now();
function log(msg) {
  process.stderr.write(`${LOG_PREFIX} +${((Date.now() - t0) / 1000).toFixed(1)}s ${msg}\n`);
}

function secs(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function markerPath(name) {
  return path.join(binDir(), `${name}.ok`);
}

function hasBinary(name) {
  return isExecutable(path.join(binDir(), name)) && fs.existsSync(markerPath(name));
}

function writeMarker(name, info) {
  fs.writeFileSync(markerPath(name), JSON.stringify({ name, ...info, builtAt: new Date().toISOString() }) + '\n');
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    if (dir && isExecutable(p)) return p;
  }
  return null;
}

function findGo() {
  // GOROOT-less machines still have /usr/local/go/bin/go on this kind; PATH first so a developer's choice wins.
  return which('go') || (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
}

/** Runs a command, streams nothing, keeps the output; prints a heartbeat so long builds don't look hung in CI. */
function run(cmd, args, { cwd, env, label, heartbeatSec = 60 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env: env || process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setInterval(
      () => log(`  ... still ${label || cmd} (${secs(Date.now() - started)})`),
      heartbeatSec * 1000,
    );
    child.on('error', (err) => {
      clearInterval(timer);
      reject(new Error(`${label || cmd}: cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) resolve(out);
      else {
        const tail = out.trim().split('\n').slice(-40).join('\n');
        reject(
          new Error(
            `${label || cmd} failed (${signal ? `signal ${signal}` : `exit ${code}`}): ${cmd} ${args.join(' ')}\n${tail}`,
          ),
        );
      }
    });
  });
}

function goEnv(extra = {}) {
  const root = cacheRoot();
  return {
    ...process.env,
    // Isolated caches: predictable cold cost and `rm -rf <root>` resets everything.
    GOMODCACHE: path.join(root, 'go', 'mod'),
    GOCACHE: path.join(root, 'go', 'build-cache'),
    GOPATH: path.join(root, 'go', 'path'),
    // Static binaries: no libc coupling, identical on every machine of the kind.
    CGO_ENABLED: '0',
    // Never let a go.mod `toolchain` line trigger a toolchain download (only the module proxy is reachable).
    GOTOOLCHAIN: 'local',
    // -mod=mod lets `go build` fill in the throwaway go.mod/go.sum; -buildvcs=false because the build dirs have no VCS.
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOWORK: 'off',
    ...extra,
  };
}

function versionLess(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) < (pb[i] || 0);
  }
  return false;
}

// --- lock -----------------------------------------------------------------------------------------------------------
// mkdir is atomic; the pid inside lets a later run break the lock of a build that was killed.
async function withLock(fn) {
  const lockDir = path.join(clusterCacheDir(), '.lock');
  fs.mkdirSync(clusterCacheDir(), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      } catch {
        /* lock being created right now: fall through and wait */
      }
      let alive = false;
      if (pid) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {
          alive = false;
        }
      }
      if (pid && !alive) {
        log(`removing stale build lock of dead process ${pid}`);
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) {
        log(`waiting for another build (pid ${pid || '?'}) holding ${lockDir}`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

// --- kubernetes -----------------------------------------------------------------------------------------------------
/**
 * `go install k8s.io/kubernetes/cmd/kube-apiserver@vX` does not work: k8s.io/kubernetes's go.mod replaces its staging
 * modules (k8s.io/api, k8s.io/client-go, ...) with ./staging/src/... directories that are not part of the module zip.
 * A throwaway main module requires k8s.io/kubernetes and replaces each staging module with its published v0.Y.Z
 * release. The replace list is generated from the downloaded go.mod so that it is right for whatever version is set.
 */
async function buildKubernetes(go, targets) {
  const started = Date.now();
  const buildDir = path.join(clusterCacheDir(), 'build', 'k8s');
  fs.mkdirSync(buildDir, { recursive: true });
  const env = goEnv();
  const minor = KUBE_VERSION.split('.')[1];
  const stagingVersion = `v0.${KUBE_VERSION.split('.').slice(1).join('.')}`;

  log(`downloading k8s.io/kubernetes@${KUBE_VERSION} go.mod`);
  const info = JSON.parse(
    await run(go, ['mod', 'download', '-json', `k8s.io/kubernetes@${KUBE_VERSION}`], {
      cwd: os.tmpdir(),
      env: { ...env, GOFLAGS: '-buildvcs=false' },
      label: 'go mod download k8s.io/kubernetes',
    }),
  );
  if (info.Error) throw new Error(`cannot download k8s.io/kubernetes@${KUBE_VERSION}: ${info.Error}`);
  const upstreamMod = fs.readFileSync(info.GoMod, 'utf8');
  const staging = [...upstreamMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\/src\/\S+\s*$/gm)].map(
    (m) => m[1],
  );
  if (staging.length < 10) {
    throw new Error(
      `k8s.io/kubernetes@${KUBE_VERSION} go.mod lists only ${staging.length} staging replacements; the throwaway ` +
        `go.mod technique needs the ./staging/src replace block (has the module layout changed?)`,
    );
  }
  const goLine = upstreamMod.match(/^go\s+(\S+)/m)?.[1] || '1.24.0';
  const goMod = [
    '// Generated by test/tools/cluster/binaries.mjs: builds Kubernetes binaries outside the kubernetes repo.',
    'module pf-incident-response/cluster-build/k8s',
    '',
    `go ${goLine}`,
    '',
    `require k8s.io/kubernetes ${KUBE_VERSION}`,
    '',
    'replace (',
    ...staging.map((m) => `\t${m} => ${m} ${stagingVersion}`),
    ')',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(buildDir, 'go.mod'), goMod);
  // The main module needs one package of its own for `go build` to resolve imports against; the build tag keeps it
  // out of every real build while still recording the commands as requirements.
  fs.writeFileSync(
    path.join(buildDir, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport (\n${targets.map((t) => `\t_ "k8s.io/kubernetes/cmd/${t}"`).join('\n')}\n)\n`,
  );
  log(`go.mod: require k8s.io/kubernetes ${KUBE_VERSION}, ${staging.length} staging modules -> ${stagingVersion}`);

  // Version stamping: without it the binaries report v0.0.0-master+$Format and clients/kwok pick wrong behaviour.
  const pkgs = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'];
  const stamp = {
    gitVersion: KUBE_VERSION,
    gitMajor: '1',
    gitMinor: minor,
    gitTreeState: 'clean',
    gitCommit: '0000000000000000000000000000000000000000',
    buildDate: '1970-01-01T00:00:00Z',
  };
  const ldflags = ['-s', '-w', ...pkgs.flatMap((p) => Object.entries(stamp).map(([k, v]) => `-X ${p}.${k}=${v}`))];

  log(`resolving modules for ${targets.join(', ')} (first run downloads ~0.5-1 GB)`);
  await run(go, ['mod', 'download', 'k8s.io/kubernetes'], { cwd: buildDir, env, label: 'go mod download' });
  const outDir = path.join(clusterCacheDir(), 'build', 'k8s-out') + path.sep;
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  log(`building ${targets.join(', ')} ${KUBE_VERSION} (CGO_ENABLED=0, -trimpath; 10-20 min cold on 2 cores)`);
  await run(
    go,
    [
      'build',
      '-trimpath',
      '-ldflags',
      ldflags.join(' '),
      '-o',
      outDir,
      ...targets.map((t) => `k8s.io/kubernetes/cmd/${t}`),
    ],
    { cwd: buildDir, env, label: `go build ${targets.join(' ')}`, heartbeatSec: 60 },
  );
  for (const t of targets) {
    const out = path.join(outDir, t);
    const reported = spawnSync(out, t === 'kubectl' ? ['version', '--client'] : ['--version'], { encoding: 'utf8' });
    const text = `${reported.stdout || ''}${reported.stderr || ''}`.trim();
    if (!text.includes(KUBE_VERSION)) {
      throw new Error(`${t} built but reports "${text}" instead of ${KUBE_VERSION}: version stamping failed`);
    }
    fs.renameSync(out, path.join(binDir(), t));
    writeMarker(t, { version: KUBE_VERSION, reported: text });
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  log(`built ${targets.join(', ')} in ${secs(Date.now() - started)}`);
}

// --- kwok -----------------------------------------------------------------------------------------------------------
async function buildKwok(go) {
  const started = Date.now();
  const env = goEnv({ GOBIN: binDir(), GOFLAGS: '-buildvcs=false' });
  // consts.KubeVersion is what kwokctl assumes for the control plane; stamp ours instead of kwok's default.
  const ldflags = `-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBE_VERSION}`;
  log(`go install sigs.k8s.io/kwok/cmd/{kwok,kwokctl}@${KWOK_VERSION}`);
  await run(
    go,
    [
      'install',
      '-trimpath',
      '-ldflags',
      ldflags,
      ...KWOK_BINARIES.map((b) => `sigs.k8s.io/kwok/cmd/${b}@${KWOK_VERSION}`),
    ],
    { cwd: os.tmpdir(), env, label: 'go install kwok' },
  );
  // kwok's CRDs (Logs/Exec/PortForward/...) and the default Stages live in the module source; copy them next to the
  // binaries so a cluster never needs the module cache at start time.
  const modDir = JSON.parse(
    await run(go, ['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], {
      cwd: os.tmpdir(),
      env,
      label: 'locate kwok module',
    }),
  ).Dir;
  copyKwokAssets(modDir);
  for (const b of KWOK_BINARIES) writeMarker(b, { version: KWOK_VERSION });
  log(`built kwok, kwokctl in ${secs(Date.now() - started)}`);
}

function copyKwokAssets(modDir) {
  const dest = path.join(clusterCacheDir(), 'kwok');
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(path.join(dest, 'crds'), { recursive: true });
  fs.mkdirSync(path.join(dest, 'stages'), { recursive: true });
  const crdDir = path.join(modDir, 'kustomize', 'crd', 'bases');
  for (const f of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
    fs.copyFileSync(path.join(crdDir, f), path.join(dest, 'crds', f));
  }
  // The same set kwokctl uses by default: node-fast + node-heartbeat-with-lease + pod-fast.
  const stages = [
    'node/fast/node-initialize.yaml',
    'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
    'pod/fast/pod-ready.yaml',
    'pod/fast/pod-complete.yaml',
    'pod/fast/pod-delete.yaml',
  ];
  for (const s of stages) {
    const src = path.join(modDir, 'kustomize', 'stage', s);
    if (!fs.existsSync(src)) throw new Error(`kwok ${KWOK_VERSION} module has no ${s}; cannot set up default stages`);
    fs.copyFileSync(src, path.join(dest, 'stages', s.replaceAll('/', '-')));
  }
  // Files in the module cache are read-only; make the copies writable so `rm -rf` of the cache just works.
  for (const sub of ['crds', 'stages']) {
    for (const f of fs.readdirSync(path.join(dest, sub))) fs.chmodSync(path.join(dest, sub, f), 0o644);
  }
}

function kwokAssetsPresent() {
  const dest = path.join(clusterCacheDir(), 'kwok');
  try {
    return fs.readdirSync(path.join(dest, 'crds')).length > 0 && fs.readdirSync(path.join(dest, 'stages')).length > 0;
  } catch {
    return false;
  }
}

// --- etcd -----------------------------------------------------------------------------------------------------------
function etcdVersionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return (r.stdout || '').match(/etcd Version:\s*(\S+)/)?.[1] || null;
}

/** The Debian mirror this machine already uses (so a proxied/mirrored apt setup keeps working), else deb.debian.org. */
function debianMirror() {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of fs.readdirSync('/etc/apt/sources.list.d')) {
      if (f.endsWith('.sources') || f.endsWith('.list')) files.push(path.join('/etc/apt/sources.list.d', f));
    }
  } catch {
    /* no sources.list.d */
  }
  for (const f of files) {
    let text;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const uri =
      text.match(/^URIs:\s*(\S+\/debian)\/?\s*$/m)?.[1] ||
      text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m)?.[1];
    if (uri) return uri;
  }
  return 'http://deb.debian.org/debian';
}

/**
 * Debian trixie's etcd-server (3.5.x, needs only libc) fetched with a private apt configuration: its own source list,
 * package lists and cache under a temp dir, so no trixie source is ever enabled system-wide and the system's
 * package lists are untouched. `apt-get download` + `dpkg-deb -x` install nothing.
 */
async function fetchEtcdFromTrixie() {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-etcd-apt-'));
  try {
    for (const d of ['lists/partial', 'cache/archives/partial', 'parts', 'dl', 'x']) {
      fs.mkdirSync(path.join(tmp, d), { recursive: true });
    }
    const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
    const signedBy = fs.existsSync(keyring) ? `[signed-by=${keyring}] ` : '';
    fs.writeFileSync(path.join(tmp, 'sources.list'), `deb ${signedBy}${debianMirror()} trixie main\n`);
    const opts = [
      '-o',
      `Dir::Etc::SourceList=${path.join(tmp, 'sources.list')}`,
      '-o',
      `Dir::Etc::SourceParts=${path.join(tmp, 'parts')}`,
      '-o',
      `Dir::State::Lists=${path.join(tmp, 'lists')}`,
      '-o',
      `Dir::Cache=${path.join(tmp, 'cache')}`,
      // Private lists and cache: no need to take the system's apt lock.
      '-o',
      'Debug::NoLocking=1',
      '-q',
    ];
    log('fetching etcd-server from Debian trixie with a private apt config');
    await run('apt-get', [...opts, 'update'], { cwd: tmp, label: 'apt-get update (trixie, private lists)' });
    await run('apt-get', [...opts, 'download', 'etcd-server'], {
      cwd: path.join(tmp, 'dl'),
      label: 'apt-get download etcd-server/trixie',
    });
    const deb = fs.readdirSync(path.join(tmp, 'dl')).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download etcd-server produced no .deb');
    await run('dpkg-deb', ['-x', path.join(tmp, 'dl', deb), path.join(tmp, 'x')], { label: 'dpkg-deb -x' });
    const extracted = path.join(tmp, 'x', 'usr', 'bin', 'etcd');
    const version = etcdVersionOf(extracted);
    if (!version) throw new Error(`${deb} does not contain a runnable usr/bin/etcd`);
    if (versionLess(version, ETCD_MIN_VERSION)) {
      throw new Error(`trixie's etcd is ${version}, Kubernetes ${KUBE_VERSION} needs >= ${ETCD_MIN_VERSION}`);
    }
    fs.copyFileSync(extracted, path.join(binDir(), 'etcd'));
    fs.chmodSync(path.join(binDir(), 'etcd'), 0o755);
    writeMarker('etcd', { version, source: `debian trixie ${deb}` });
    log(`etcd ${version} from ${deb} in ${secs(Date.now() - started)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Fallback: etcd from the Go proxy. `go install go.etcd.io/etcd/server/v3@v3.5.x` is refused because its go.mod
 * replaces sibling modules with ../ paths; a throwaway main module requiring it builds the same `main` package.
 */
async function buildEtcdFromGo(go) {
  const started = Date.now();
  const buildDir = path.join(clusterCacheDir(), 'build', 'etcd');
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(
    path.join(buildDir, 'go.mod'),
    `// Generated by test/tools/cluster/binaries.mjs\nmodule pf-incident-response/cluster-build/etcd\n\ngo 1.23\n\nrequire go.etcd.io/etcd/server/v3 ${ETCD_GO_VERSION}\n`,
  );
  fs.writeFileSync(
    path.join(buildDir, 'tools.go'),
    '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n',
  );
  log(`building etcd ${ETCD_GO_VERSION} from the Go module proxy`);
  const out = path.join(buildDir, 'etcd');
  await run(go, ['build', '-trimpath', '-ldflags', '-s -w', '-o', out, 'go.etcd.io/etcd/server/v3'], {
    cwd: buildDir,
    env: goEnv(),
    label: 'go build etcd',
  });
  const version = etcdVersionOf(out);
  if (!version) throw new Error(`etcd built from ${ETCD_GO_VERSION} does not report a version`);
  fs.renameSync(out, path.join(binDir(), 'etcd'));
  writeMarker('etcd', { version, source: `go.etcd.io/etcd/server/v3@${ETCD_GO_VERSION}` });
  log(`built etcd ${version} in ${secs(Date.now() - started)}`);
}

// --- kubectl --------------------------------------------------------------------------------------------------------
/**
 * A kubectl within +/-1 minor of the server. Machines of this kind ship kubectl 1.32 in /usr/bin (from the image;
 * its apt source is disabled, and Debian's own `kubernetes-client` is 1.20, far outside the skew). If none fits, the
 * k8s build adds cmd/kubectl from the same module, so no apt install is involved.
 */
function systemKubectl() {
  // PF_KUBECTL=/path/to/kubectl picks one; PF_KUBECTL=build ignores the machine's kubectl and builds a matching one.
  const forced = process.env.PF_KUBECTL;
  if (forced === 'build') return null;
  const candidates = forced ? [forced] : [which('kubectl'), '/usr/bin/kubectl'].filter(Boolean);
  const serverMinor = Number(KUBE_VERSION.split('.')[1]);
  for (const c of candidates) {
    if (!isExecutable(c)) continue;
    const r = spawnSync(c, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 15000 });
    try {
      const v = JSON.parse(r.stdout).clientVersion;
      const minor = Number(String(v.minor).replace(/\D.*$/, ''));
      if (v.major === '1' && Math.abs(minor - serverMinor) <= 1) return c;
    } catch {
      /* not a kubectl we can use */
    }
  }
  return null;
}

/**
 * The builds leave ~3.5 GB of Go build cache and ~1.1 GB of modules next to ~390 MB of binaries. Once every binary is
 * in place nothing needs them (a version bump re-downloads from the proxy in a minute or two), so they are removed
 * unless PF_CLUSTER_KEEP_GO_CACHE=1. Module cache files are read-only, hence `go clean` rather than rm.
 */
async function cleanGoCaches(go) {
  const goDir = path.join(cacheRoot(), 'go');
  if (process.env.PF_CLUSTER_KEEP_GO_CACHE === '1' || !fs.existsSync(goDir)) return;
  const size = spawnSync('du', ['-sh', goDir], { encoding: 'utf8' }).stdout?.split(/\s/)[0] || '?';
  try {
    await run(go, ['clean', '-cache', '-modcache'], { cwd: os.tmpdir(), env: goEnv(), label: 'go clean' });
    fs.rmSync(goDir, { recursive: true, force: true });
    log(`removed the Go build and module caches of the build (${size}; PF_CLUSTER_KEEP_GO_CACHE=1 keeps them)`);
  } catch (err) {
    log(`could not remove ${goDir}: ${err.message.split('\n')[0]}`);
  }
}

// --- public API -----------------------------------------------------------------------------------------------------
function currentPaths(kubectl) {
  const b = binDir();
  return {
    kubeApiserver: path.join(b, 'kube-apiserver'),
    kubeControllerManager: path.join(b, 'kube-controller-manager'),
    kubeScheduler: path.join(b, 'kube-scheduler'),
    etcd: path.join(b, 'etcd'),
    kwok: path.join(b, 'kwok'),
    kwokctl: path.join(b, 'kwokctl'),
    kubectl,
    kwokCrdDir: path.join(clusterCacheDir(), 'kwok', 'crds'),
    kwokStageDir: path.join(clusterCacheDir(), 'kwok', 'stages'),
    cacheDir: clusterCacheDir(),
    kubeVersion: KUBE_VERSION,
    kwokVersion: KWOK_VERSION,
  };
}

function resolvedKubectl() {
  return systemKubectl() || (hasBinary('kubectl') ? path.join(binDir(), 'kubectl') : null);
}

/** Fast check (no build, no network): true when every binary and its marker is in the cache. */
export function clusterBinariesAvailable() {
  return (
    [...K8S_BINARIES, ...KWOK_BINARIES, 'etcd'].every(hasBinary) && kwokAssetsPresent() && resolvedKubectl() !== null
  );
}

/**
 * Ensures every binary exists in the cache, building what is missing. Idempotent and safe to call from parallel
 * processes (a lock serialises builds). Resolves to absolute paths:
 * { kubeApiserver, kubeControllerManager, kubeScheduler, etcd, kwok, kwokctl, kubectl, kwokCrdDir, kwokStageDir,
 *   cacheDir, kubeVersion, kwokVersion }.
 * Throws an Error saying exactly what is missing/failed when a build is impossible (no Go, proxy unreachable, ...).
 */
export async function ensureClusterBinaries() {
  if (clusterBinariesAvailable()) return currentPaths(resolvedKubectl());
  const started = Date.now();
  log(`cache ${clusterCacheDir()}: building what is missing (Kubernetes ${KUBE_VERSION}, kwok ${KWOK_VERSION})`);
  return withLock(async () => {
    // Another process may have finished the build while we waited for the lock.
    if (clusterBinariesAvailable()) return currentPaths(resolvedKubectl());
    fs.mkdirSync(binDir(), { recursive: true });
    let usedGo = null;
    const needGo = () => {
      const go = findGo();
      if (!go) {
        throw new Error(
          'cannot build the test cluster binaries: no Go toolchain (`go` not on PATH, /usr/local/go/bin/go missing); ' +
            `kube-apiserver ${KUBE_VERSION} and kwok ${KWOK_VERSION} are built from the Go module proxy and need Go >= 1.26`,
        );
      }
      const v = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim().replace(/^go/, '');
      if (versionLess(v, '1.26')) {
        throw new Error(`cannot build kwok ${KWOK_VERSION}: it needs Go >= 1.26, found go${v} at ${go}`);
      }
      usedGo = go;
      return go;
    };

    if (!hasBinary('etcd')) {
      try {
        // PF_CLUSTER_ETCD_SOURCE=go skips apt (e.g. where Debian's mirror is unreachable but the Go proxy is not).
        if (process.env.PF_CLUSTER_ETCD_SOURCE === 'go') throw new Error('PF_CLUSTER_ETCD_SOURCE=go');
        await fetchEtcdFromTrixie();
      } catch (err) {
        log(`Debian trixie etcd-server unavailable (${err.message.split('\n')[0]}); building etcd from the Go proxy`);
        try {
          await buildEtcdFromGo(needGo());
        } catch (err2) {
          throw new Error(
            `cannot provide etcd >= ${ETCD_MIN_VERSION}: Debian trixie's etcd-server failed (${err.message.split('\n')[0]}) ` +
              `and building go.etcd.io/etcd/server/v3@${ETCD_GO_VERSION} failed: ${err2.message}`,
            { cause: err2 },
          );
        }
      }
    }
    if (!KWOK_BINARIES.every(hasBinary) || !kwokAssetsPresent()) await buildKwok(needGo());

    const targets = K8S_BINARIES.filter((b) => !hasBinary(b));
    let kubectl = systemKubectl();
    if (!kubectl && !hasBinary('kubectl')) {
      log('no kubectl within one minor version of the server on this machine: building kubectl too');
      targets.push('kubectl');
    }
    if (targets.length) await buildKubernetes(needGo(), targets);
    kubectl = resolvedKubectl();
    if (!kubectl) throw new Error('kubectl is still missing after the build (see the log above)');
    if (!clusterBinariesAvailable()) throw new Error(`cluster binaries incomplete in ${binDir()} after the build`);
    log(`all cluster binaries ready in ${secs(Date.now() - started)} (${binDir()})`);
    if (usedGo) await cleanGoCaches(usedGo);
    return currentPaths(kubectl);
  });
}

// `node test/tools/cluster/binaries.mjs` builds (or checks) the cache and prints the paths.
if (import.meta.url === `file://${process.argv[1]}`) {
  ensureClusterBinaries().then(
    (p) => process.stdout.write(JSON.stringify(p, null, 2) + '\n'),
    (err) => {
      process.stderr.write(`${LOG_PREFIX} ${err.message}\n`);
      process.exit(1);
    },
  );
}
