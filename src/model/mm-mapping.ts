// Mappings and memory access (mm/mmap.c, mm/memory.c, mm/filemap.c, fs/dax.c):
// a VMA holds a reference on its struct file (vma->vm_file, get_file in
// mmap_region and dup_mmap), so the file, its leases and an unlinked inode
// live until the last mapping goes (munmap, exit_mmap at exit, exec_mmap).
// Loads and stores are page faults, never syscalls: they generate no
// fanotify/inotify events (MS-11), and this file never calls into them.
//
// Faults: a file page at or past ceil(i_size / PAGE) is SIGBUS/BUS_ADRERR
// (filemap_fault, dax_iomap_pte_fault); an unmapped page is SIGSEGV/
// SEGV_MAPERR; a page without the needed protection SIGSEGV/SEGV_ACCERR.
// MAP_PRIVATE stores copy the page (COW); truncate_pagecache unmaps private
// copies past the new EOF (even_cows=1) but punch-hole does not
// (truncate_pagecache_range, even_cows=0).

import type { Op, Step } from '../scenario/ast.js';
import type { Inode, KState, Proc, StepResult } from './state.js';
import { emptyMm, PAGE, type Mapping, type MmState } from './mm-state.js';
import { checkMmap, PROT } from './mm-validate.js';
import { fput } from './files.js';
import { guestOf } from './dax.js';
import { readBytes } from './vfs.js';
import { Unmodelled } from './unmodelled.js';
import { mdVmaGone, setupMapDirect } from './map-direct.js';
import { mdRevoked, mdStoreFault } from './map-direct-fault.js';
import { noteSize } from './map-direct-blocks.js';

const ok = (ret: number): StepResult => ({ ret, errno: 0 });
const err = (errno: number): StepResult => ({ ret: -1, errno });
const SIGBUS = 7;
const SIGSEGV = 11;
const BUS_ADRERR = 2;
const SEGV_MAPERR = 1;
const SEGV_ACCERR = 2;

function mm(s: KState): MmState {
  if (!s.mm) s.mm = emptyMm();
  return s.mm;
}

function mapsOf(s: KState, proc: string): Mapping[] {
  const m = mm(s);
  return (m.procs[proc] ??= []);
}

function findMap(s: KState, p: Proc, name: string): Mapping {
  const m = s.mm?.procs[p.name]?.find((x) => x.name === name);
  if (!m) throw new Unmodelled(`mapping ${name} does not exist in ${p.name} (its mmap failed, or execve dropped it)`);
  return m;
}

type MmapOp = Extract<Op, { kind: 'mmap' }>;

export function doMmap(s: KState, p: Proc, op: MmapOp, fdFile: ReturnType<typeof s.files.get>, step: Step): StepResult {
  const v = checkMmap(s, p, op, fdFile, guestOf(s));
  if (!v.ok) return err(v.errno);
  const maps = mapsOf(s, p.name);
  const old = maps.findIndex((x) => x.name === op.map);
  if (old >= 0) throw new Unmodelled(`mmap rebinding the name ${op.map} while the old mapping is still mapped`);
  let direct: number | undefined;
  if (v.direct) {
    const r = setupMapDirect(s, p, v.file!); // the filesystem's ->mmap, last
    if ('errno' in r) return err(r.errno);
    direct = r.id;
  }
  const pages = Math.ceil(op.length / PAGE);
  const m: Mapping = {
    name: op.map, file: v.file ? v.file.id : null, ino: v.file ? v.file.ino : null, shmem: null, len: op.length, pages,
    pgoff: op.offset, prot: op.prot, shared: v.shared, sync: v.sync, unmapped: [], createdAt: step.id, holeAt: -1, priv: {},
    ...(direct === undefined ? {} : { direct }),
  };
  if (v.file) {
    v.file.refs++; // vma->vm_file = get_file(file)
    s.why.push(`mmap: ${v.shared ? 'shared' : 'private'} mapping of ${pages} page(s) holds a reference on file#${v.file.id} (refs=${v.file.refs})`);
  } else if (v.shared) {
    const st = mm(s);
    m.shmem = st.nextShmem++;
    st.shmem[m.shmem] = '';
  }
  maps.push(m);
  return ok(0);
}

/** The last page of a mapping gone: the VMA's file reference is dropped (remove_vma -> fput). */
function release(s: KState, m: Mapping): void {
  if (m.direct !== undefined) mdVmaGone(s, m.direct); // vm_ops->close before the fput
  if (m.file !== null) fput(s, m.file);
}

type MunmapOp = Extract<Op, { kind: 'munmap' }>;

export function doMunmap(s: KState, p: Proc, op: MunmapOp, step: Step): StepResult {
  const m = findMap(s, p, op.map);
  const len = op.length ?? m.len - op.offset;
  if (op.offset % PAGE !== 0 || op.offset < 0) {
    s.why.push('munmap: address not page aligned -> EINVAL');
    return err(22);
  }
  if (len <= 0) {
    s.why.push('munmap: length 0 -> EINVAL');
    return err(22);
  }
  const first = op.offset / PAGE;
  const end = Math.ceil((op.offset + len) / PAGE);
  if (end > m.pages) throw new Unmodelled('munmap past the end of the mapping (the neighbouring addresses are unknown)');
  for (let i = first; i < end; i++) {
    if (!m.unmapped.includes(i)) m.unmapped.push(i);
    delete m.priv[i];
  }
  m.unmapped.sort((a, b) => a - b);
  if (m.unmapped.length === m.pages) {
    const maps = mapsOf(s, p.name);
    maps.splice(maps.indexOf(m), 1);
    s.why.push(`munmap removes all of ${m.name}${m.file !== null ? `; its reference on file#${m.file} goes` : ''}`);
    release(s, m);
  } else {
    m.holeAt = step.id;
    s.why.push(`munmap removes pages ${first}..${end - 1} of ${m.name}; the rest stays mapped`);
  }
  return ok(0);
}

type Fault = { signo: number; code: number; why: string };

/** Where an access at `off` lands, or the fault it takes. */
function locate(s: KState, p: Proc, m: Mapping, off: number, write: boolean): Fault | { page: number } {
  const page = Math.floor(off / PAGE);
  if (off < 0 || page >= m.pages) throw new Unmodelled(`access at offset ${off}, outside mapping ${m.name} (neighbouring addresses are unknown)`);
  if (m.unmapped.includes(page)) {
    const later = (s.mm?.procs[p.name] ?? []).some((x) => x.createdAt > m.holeAt);
    if (later) throw new Unmodelled('access to an unmapped page after a later mmap (it may have reused the addresses)');
    return { signo: SIGSEGV, code: SEGV_MAPERR, why: `page ${page} of ${m.name} was unmapped -> SIGSEGV SEGV_MAPERR` };
  }
  const need = write ? PROT.WRITE : PROT.READ | PROT.WRITE | PROT.EXEC; // x86: any access right implies read
  if ((m.prot & need) === 0) return { signo: SIGSEGV, code: SEGV_ACCERR, why: `${m.name} lacks ${write ? 'PROT_WRITE' : 'read access'} -> SIGSEGV SEGV_ACCERR` };
  const revoked = mdRevoked(s, m);
  if (revoked !== null) return { signo: SIGBUS, code: BUS_ADRERR, why: revoked };
  if (m.ino !== null && !(page in m.priv)) {
    const node = s.inodes.get(m.ino)!;
    const filePage = m.pgoff / PAGE + page;
    const eofPages = Math.ceil(node.size / PAGE);
    if (filePage >= eofPages) {
      return { signo: SIGBUS, code: BUS_ADRERR, why: `file page ${filePage} is at or past ceil(i_size=${node.size} / 4096) = ${eofPages} -> SIGBUS BUS_ADRERR (${node.sDax ? 'dax_iomap_pte_fault' : 'filemap_fault'})` };
    }
  }
  return { page };
}

function faulted(s: KState, f: Fault, off: number): StepResult {
  s.why.push(f.why);
  return { ret: -1, errno: 0, mem: { outcome: f.signo === SIGBUS ? 'SIGBUS' : 'SIGSEGV', signo: f.signo, code: f.code, offset: off } };
}

/** The page-cache (or DAX block) byte at file offset `pos`, including bytes stored past EOF. */
function fileByte(s: KState, node: Inode, pos: number): number {
  if (pos < node.size) return (readBytes(node, pos, 1) || '\0').charCodeAt(0);
  const t = s.mm?.tails[node.ino];
  if (!t || t.size !== node.size) return 0;
  return t.bytes[pos] ?? 0;
}

function pageBytes(s: KState, m: Mapping, page: number): string {
  if (m.ino === null) return '\0'.repeat(PAGE);
  const node = s.inodes.get(m.ino)!;
  const base = m.pgoff + page * PAGE;
  let out = '';
  for (let i = 0; i < PAGE; i++) out += String.fromCharCode(fileByte(s, node, base + i));
  return out;
}

function readAt(s: KState, m: Mapping, off: number): number {
  const page = Math.floor(off / PAGE);
  const priv = m.priv[page];
  if (priv !== undefined) return priv.charCodeAt(off % PAGE);
  if (m.shmem !== null) return (s.mm!.shmem[m.shmem]!.charCodeAt(off) || 0);
  if (m.ino === null) return 0; // anonymous private page never written: the zero page
  return fileByte(s, s.inodes.get(m.ino)!, m.pgoff + off);
}

export function doLoad(s: KState, p: Proc, name: string, off: number): StepResult {
  const m = findMap(s, p, name);
  const at = locate(s, p, m, off, false);
  if ('signo' in at) return faulted(s, at, off);
  const v = readAt(s, m, off);
  s.why.push(`load ${name}+${off}: ${at.page in m.priv ? 'private page' : m.ino !== null ? 'file page' : 'anonymous memory'} -> 0x${v.toString(16)} (a fault, not a syscall: no fsnotify event)`);
  return { ret: v, errno: 0, data: String.fromCharCode(v), mem: { outcome: 'ok' } };
}

export function doStore(s: KState, p: Proc, name: string, off: number, value: number): StepResult {
  const m = findMap(s, p, name);
  const at = locate(s, p, m, off, true);
  if ('signo' in at) return faulted(s, at, off);
  const mdFault = mdStoreFault(s, m, at.page);
  if (mdFault !== null) return faulted(s, { signo: SIGBUS, code: BUS_ADRERR, why: mdFault }, off);
  const byte = value & 0xff;
  const inPage = off % PAGE;
  if (!m.shared) {
    const cur = m.priv[at.page] ?? pageBytes(s, m, at.page);
    if (!(at.page in m.priv)) s.why.push(`store to ${name}: MAP_PRIVATE page ${at.page} is copied (COW) and no longer follows the file`);
    m.priv[at.page] = cur.slice(0, inPage) + String.fromCharCode(byte) + cur.slice(inPage + 1);
  } else if (m.shmem !== null) {
    const st = s.mm!;
    let d = st.shmem[m.shmem]!;
    if (d.length <= off) d += '\0'.repeat(off + 1 - d.length);
    st.shmem[m.shmem] = d.slice(0, off) + String.fromCharCode(byte) + d.slice(off + 1);
  } else {
    const node = s.inodes.get(m.ino!)!;
    const pos = m.pgoff + off;
    if (pos < node.size) {
      let d = node.data;
      if (d.length <= pos) d += '\0'.repeat(pos + 1 - d.length);
      node.data = d.slice(0, pos) + String.fromCharCode(byte) + d.slice(pos + 1);
      s.why.push(`store to ${name}: shared ${node.sDax ? 'DAX ' : ''}mapping writes the file's byte ${pos} (visible to read(2), i_size unchanged, no fsnotify event)`);
    } else {
      const st = mm(s);
      const t = st.tails[node.ino];
      const tail = t && t.size === node.size ? t : (st.tails[node.ino] = { size: node.size, bytes: {} });
      tail.bytes[pos] = byte;
      s.why.push(`store to ${name}: byte ${pos} is past EOF (${node.size}) in the last page: kept in memory, i_size unchanged`);
    }
  }
  return { ret: 0, errno: 0, mem: { outcome: 'ok' } };
}

export function doMsync(s: KState, p: Proc, name: string, flags: number): StepResult {
  const m = findMap(s, p, name);
  if ((flags & ~7) !== 0 || ((flags & 1) && (flags & 4))) {
    s.why.push('msync: unknown flags or MS_ASYNC|MS_SYNC -> EINVAL');
    return err(22);
  }
  if (m.unmapped.length > 0) {
    s.why.push(`msync over ${m.name}: part of the range is unmapped -> ENOMEM`);
    return err(12);
  }
  return ok(0);
}

/** dup_mmap: the child gets a copy of every mapping (file references +1, private pages copied). */
export function forkMaps(s: KState, parent: Proc, child: Proc): void {
  const src = s.mm?.procs[parent.name];
  if (!src || src.length === 0) return;
  const st = mm(s);
  st.procs[child.name] = src.map((m) => ({ ...m, unmapped: m.unmapped.slice(), priv: { ...m.priv } }));
  for (const m of src) if (m.file !== null) s.files.get(m.file)!.refs++;
  s.why.push(`fork: ${child.name} inherits ${src.length} mapping(s); each holds its own file reference`);
}

/** exit_mmap (exit) or exec_mmap (execve): every mapping of the process goes. */
export function dropMaps(s: KState, p: Proc, why: string): void {
  const maps = s.mm?.procs[p.name];
  if (!maps || maps.length === 0) return;
  delete s.mm!.procs[p.name];
  s.why.push(`${why}: ${p.name}'s ${maps.length} mapping(s) are torn down, dropping their file references`);
  for (const m of maps) release(s, m);
}

/**
 * i_size changed by truncate. Shrinking: truncate_pagecache unmaps every page
 * past the new EOF, private copies included, and the fs zeroes the rest of
 * the EOF block (ext4_block_truncate_page / iomap_truncate_page), so bytes
 * stored past EOF are gone. Growing over bytes stored past EOF is fs specific
 * in 6.1 (xfs zeroes them, ext4 may expose them): not modelled.
 */
export function sizeChanging(s: KState, ino: number, oldSize: number, newSize: number): void {
  if (newSize < oldSize) noteSize(s, ino, newSize); // blocks past the new EOF are freed
  if (!s.mm) return;
  const t = s.mm.tails[ino];
  if (t && t.size === oldSize && Object.keys(t.bytes).length > 0) {
    if (newSize > oldSize) throw new Unmodelled('growing a file over bytes stored past EOF through a mapping (ext4 and xfs differ in 6.1)');
    delete s.mm.tails[ino];
  }
  if (newSize >= oldSize) return;
  const eofPages = Math.ceil(newSize / PAGE);
  for (const maps of Object.values(s.mm.procs)) {
    for (const m of maps) {
      if (m.ino !== ino) continue;
      for (const k of Object.keys(m.priv)) {
        if (m.pgoff / PAGE + Number(k) >= eofPages) delete m.priv[Number(k)];
      }
    }
  }
}
