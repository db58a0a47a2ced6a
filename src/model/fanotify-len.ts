// How many bytes one queued event takes in a read buffer (fanotify_user.c
// fanotify_event_len, 6.1): FAN_EVENT_METADATA_LEN, plus in a FID mode one
// record per reported fid, each FANOTIFY_FID_INFO_HDR_LEN + handle bytes (+
// name and its NUL) rounded up to FANOTIFY_EVENT_ALIGN. get_one_event uses it
// to decide what fits, and FIONREAD (fanotify_ioctl) sums it over the
// notification list, so both derive from here.

import type { GuestEnv } from './guest-env.js';
import type { FanEvent, FanInfo } from './fanotify-state.js';
import { Unmodelled } from './unmodelled.js';

export const META_LEN = 24;
/** struct fanotify_event_info_fid (header 4 + fsid 8) + struct file_handle (bytes 4 + type 4). */
const FID_INFO_HDR_LEN = 20;
const ALIGN = 4;

/**
 * f_handle bytes of the file handle exportfs_encode_inode_fh makes for a
 * connectable-less fid (fanotify_encode_fh passes no parent):
 * ext4 has no ->encode_fh, so export_encode_fh gives FILEID_INO32_GEN, 2 words;
 * xfs_fs_encode_fh gives FILEID_INO32_GEN|XFS_FILEID_TYPE_64FLAG (inode64,
 * the default) with a 64-bit inode number, 3 words.
 */
export function fidHandleBytes(g: GuestEnv): number {
  return g.fs === 'xfs' ? 12 : 8;
}

/** fanotify_fid_info_len: header + handle (+ name + NUL), aligned. */
export function fidRecordLen(handleBytes: number, nameLen: number): number {
  const raw = FID_INFO_HDR_LEN + handleBytes + (nameLen > 0 ? nameLen + 1 : 0);
  return Math.ceil(raw / ALIGN) * ALIGN;
}

function recordLen(i: FanInfo, handleBytes: number): number {
  return fidRecordLen(handleBytes, i.name !== undefined ? i.name.length : 0);
}

/** fanotify_event_len: fd mode and overflow events are bare metadata; FID records need the filesystem. */
export function fanEventLen(e: FanEvent, guest: GuestEnv | undefined): number {
  if (e.info === null || e.overflow) return META_LEN;
  if (!guest) throw new Unmodelled('FID record lengths without guest facts (the handle size is per filesystem)');
  const hb = fidHandleBytes(guest);
  return META_LEN + e.info.reduce((n, i) => n + recordLen(i, hb), 0);
}
