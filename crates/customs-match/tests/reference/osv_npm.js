#!/usr/bin/env node
// Independent reference for the npm check of customs-match.
//
// Reads the osv.dev npm dump (all.zip, with its own small zip reader on
// zlib) and a JSON list of [name, version] pairs, and prints the sorted JSON
// list of [advisory id, name, version] for every advisory that affects a
// pair, by the OSV schema's evaluation pseudocode with npm's `semver`
// package as the ordering (semver.valid / semver.compare):
//
// - a version is affected when it is in any range or equal to a `versions`
//   entry;
// - a range's events are sorted by version (stable; introduced "0" first);
//   introduced with v >= introduced sets vulnerable, fixed with v >= fixed and
//   last_affected with v > last_affected clear it;
// - with limit events, v must be below one of them ("*" is infinity);
// - GIT ranges are ignored; withdrawn records are ignored;
// - a range with an event that is not a valid version (or an unknown event)
//   is skipped, never a match.
//
// Usage: node osv_npm.js ALL_ZIP SEMVER_MODULE_DIR PACKAGES_JSON

'use strict';

const fs = require('fs');
const zlib = require('zlib');

function readZip(path) {
  const buf = fs.readFileSync(path);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path}: no end of central directory`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + csize);
    if (method === 0) files.set(name, data);
    else if (method === 8) files.set(name, zlib.inflateRawSync(data));
    else throw new Error(`${path}: ${name}: compression method ${method}`);
  }
  return files;
}

const [zipPath, semverDir, packagesPath] = process.argv.slice(2);
const semver = require(require.resolve('semver', { paths: [semverDir] }));
const packages = JSON.parse(fs.readFileSync(packagesPath, 'utf8'));

const MINIMUM = Symbol('minimum');
const skipped = [];

function cmp(a, b) {
  if (a === MINIMUM && b === MINIMUM) return 0;
  if (a === MINIMUM) return -1;
  if (b === MINIMUM) return 1;
  return semver.compare(a, b);
}

// true / false, or null when the range cannot be evaluated.
function includedInRange(v, range) {
  const events = [];
  const limits = [];
  for (const e of range.events || []) {
    const keys = Object.keys(e);
    if (keys.length !== 1) {
      skipped.push(['event with several keys', e]);
      return null;
    }
    const kind = keys[0];
    const value = e[kind];
    if (typeof value !== 'string') {
      skipped.push(['non-string event', e]);
      return null;
    }
    if (kind === 'introduced' && value.trim() === '0') {
      events.push([kind, MINIMUM]);
      continue;
    }
    if (kind === 'limit' && value.includes('*')) {
      limits.push(null);
      continue;
    }
    if (!['introduced', 'fixed', 'last_affected', 'limit'].includes(kind)) {
      skipped.push(['unknown event', e]);
      return null;
    }
    const parsed = semver.valid(value.trim());
    if (parsed === null) {
      skipped.push(['invalid version', value]);
      return null;
    }
    if (kind === 'limit') limits.push(parsed);
    else events.push([kind, parsed]);
  }
  if (limits.length > 0 && !limits.some((l) => l === null || semver.compare(v, l) < 0)) {
    return false;
  }
  // Array.prototype.sort is stable.
  events.sort((a, b) => cmp(a[1], b[1]));
  let vulnerable = false;
  for (const [kind, at] of events) {
    if (kind === 'introduced') {
      if (at === MINIMUM || semver.compare(v, at) >= 0) vulnerable = true;
    } else if (kind === 'fixed') {
      if (semver.compare(v, at) >= 0) vulnerable = false;
    } else if (kind === 'last_affected') {
      if (semver.compare(v, at) > 0) vulnerable = false;
    }
  }
  return vulnerable;
}

function affectedEntry(raw, v, entry) {
  for (const range of entry.ranges || []) {
    if (range.type === 'GIT') continue;
    // npm's ecosystem ordering is SemVer: both types read the same way.
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') {
      skipped.push(['range type', range.type]);
      continue;
    }
    if (includedInRange(v, range) === true) return true;
  }
  for (const listed of entry.versions || []) {
    if (listed.trim() === raw.trim()) return true;
    const lv = semver.valid(listed.trim());
    if (lv !== null && semver.compare(lv, v) === 0) return true;
  }
  return false;
}

const wanted = new Map();
for (const [name, version] of packages) {
  const v = semver.valid(version);
  if (v === null) throw new Error(`installed version ${version} of ${name} is not SemVer`);
  if (!wanted.has(name)) wanted.set(name, []);
  wanted.get(name).push([name, version, v]);
}

const out = new Set();
for (const [member, data] of readZip(zipPath)) {
  if (!member.endsWith('.json')) continue;
  const rec = JSON.parse(data.toString('utf8'));
  if (rec.withdrawn) continue;
  for (const entry of rec.affected || []) {
    const pkg = entry.package || {};
    if (pkg.ecosystem !== 'npm') continue;
    for (const [name, version, v] of wanted.get(pkg.name) || []) {
      if (affectedEntry(version, v, entry)) out.add(JSON.stringify([rec.id, name, version]));
    }
  }
}
process.stderr.write(`osv_npm.js: ${out.size} matches, ${skipped.length} ranges skipped\n`);
process.stdout.write(JSON.stringify([...out].sort().map((s) => JSON.parse(s))));
