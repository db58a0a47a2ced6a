// S_DAX per inode (DX-01..03): decided when the inode is loaded
// (ext4_set_inode_flags(init) -> ext4_should_enable_dax; xfs_diflags_to_iflags
// (init) -> xfs_inode_should_enable_dax): regular files only, never with
// dax=never, always with dax=always, else from the on-disk FS_XFLAG_DAX. New
// inodes inherit the flag from their directory (EXT4_FL_INHERITED includes
// EXT4_DAX_FL; xfs_inode_inherit_flags2). FS_IOC_FSSETXATTR changes the
// on-disk flag only; with dax=inode a change on a regular file marks the inode
// I_DONTCACHE (ext4_dax_dontcache, xfs_ioctl_setattr_prepare_dax), so the new
// S_DAX applies once the last open file (fds and mappings) is gone and the
// inode is loaded again (DX-02, generic/608).

import type { Inode, KState, OpenFile, StepResult } from './state.js';
import { bdevIsDax, describeGuest, type GuestEnv } from './guest-env.js';
import { Unmodelled } from './unmodelled.js';

export const FS_XFLAG_DAX = 0x8000;
export const STATX_ATTR_DAX = 0x00200000;

export function guestOf(s: KState): GuestEnv {
  if (!s.guest) throw new Error('model state without guest facts (initialState sets them)');
  return s.guest;
}

/** Whether an inode being loaded gets S_DAX. */
export function shouldEnableDax(g: GuestEnv, node: Inode): boolean {
  if (g.dax === 'never') return false;
  if (node.type !== 'reg') return false;
  if (!bdevIsDax(g)) return false;
  if (g.dax === 'always') return true;
  return node.xflagDax === true;
}

export function isDax(node: Inode): boolean {
  return node.sDax === true;
}

/** A new inode under directory `parentIno`: inherits FS_XFLAG_DAX, then is set up. */
export function initNewInode(s: KState, node: Inode, parentIno: number | undefined): void {
  const parent = parentIno === undefined ? undefined : s.inodes.get(parentIno);
  if (parent?.xflagDax) node.xflagDax = true;
  if (!s.guest) return;
  node.sDax = shouldEnableDax(s.guest, node);
  if (node.sDax) s.why.push(`new inode ${node.ino}: S_DAX (${describeGuest(s.guest)}${s.guest.dax === 'inode' ? ', FS_XFLAG_DAX inherited from its directory' : ''})`);
}

/**
 * The last struct file on the inode went away (fds and mappings). An inode
 * marked I_DONTCACHE is evicted and, when next looked up, loaded with S_DAX
 * from its current flag.
 */
export function inodeUnused(s: KState, ino: number): void {
  const node = s.inodes.get(ino);
  if (!node || !node.dontcache || !s.guest) return;
  for (const f of s.files.values()) if (f.ino === ino && (f.kind === 'reg' || f.kind === 'dir')) return;
  node.dontcache = false;
  const was = isDax(node);
  node.sDax = shouldEnableDax(s.guest, node);
  s.why.push(`inode ${ino} (I_DONTCACHE) evicted by the last fput; reloaded with S_DAX=${node.sDax ? 1 : 0}${was !== node.sDax ? ' (changed)' : ''}`);
}

/** FS_IOC_FSGETXATTR (set null: ret = fsx_xflags), or it and FS_IOC_FSSETXATTR with fsx_xflags = set. */
export function doFsxattr(s: KState, f: OpenFile | undefined, set: number | null): StepResult {
  if (!f || f.kind === 'path') return { ret: -1, errno: 9 }; // fdget() skips O_PATH files
  if (f.kind === 'stdio') throw new Unmodelled('FS_IOC_FSGETXATTR on the runner\'s /dev/null');
  if (f.path === '' && f.kind === 'dir') throw new Unmodelled('fsxattr of the scenario directory itself (created by the runner)');
  const node = s.inodes.get(f.ino)!;
  if (set === null) {
    s.why.push(`FS_IOC_FSGETXATTR: fsx_xflags = ${node.xflagDax ? 'FS_XFLAG_DAX' : '0'} (no other flag is modelled)`);
    return { ret: node.xflagDax ? FS_XFLAG_DAX : 0, errno: 0 };
  }
  if ((set & ~FS_XFLAG_DAX) !== 0) throw new Unmodelled(`fsx_xflags 0x${set.toString(16)} (only FS_XFLAG_DAX is modelled)`);
  const want = (set & FS_XFLAG_DAX) !== 0;
  const g = guestOf(s);
  if (want !== (node.xflagDax === true) && node.type === 'reg' && g.dax === 'inode') {
    node.dontcache = true;
    s.why.push(`FS_IOC_FSSETXATTR changes FS_XFLAG_DAX of a file with dax=inode: d_mark_dontcache, S_DAX stays ${isDax(node) ? 1 : 0} until the inode is evicted`);
  } else {
    s.why.push(`FS_IOC_FSSETXATTR: FS_XFLAG_DAX=${want ? 1 : 0} stored${node.type === 'dir' ? ' (a directory passes it to new children)' : `; dax=${g.dax} decides S_DAX without it`}`);
  }
  node.xflagDax = want;
  return { ret: 0, errno: 0 };
}

/** vfs_getattr_nosec: STATX_ATTR_DAX always in stx_attributes_mask, in stx_attributes iff IS_DAX. */
export function withDaxAttr(s: KState, r: StepResult, ino: number | null): StepResult {
  if (r.errno !== 0 || !r.statx || ino === null) return r;
  const node = s.inodes.get(ino);
  if (!node) return r;
  return { ...r, statx: { ...r.statx, attrs: { of: STATX_ATTR_DAX, mask: STATX_ATTR_DAX, set: isDax(node) ? STATX_ATTR_DAX : 0 } } };
}
