// State of the mapDirect profile feature (guest/patches/0002, docs/patches.md
// "0002 mapDirect"): one entry per MAP_DIRECT mapping (struct
// map_direct_state: shared by the VMAs derived from it by fork and split),
// and the written blocks of each file (map-direct-blocks.ts). Plain data,
// cloned per search state; absent on a stock profile.

export interface MdMapping {
  /** The mapped struct file (its FL_LAYOUT lease has `layout` = this id). */
  file: number;
  ino: number;
  /** MAPDIRECT_VALID: cleared when lease-break-time after a break revokes the mapping. */
  valid: boolean;
}

export interface MdState {
  next: number;
  /** map_direct_state id -> state; removed when its last VMA goes. */
  maps: Record<number, MdMapping>;
  /** ino -> written block indexes, ascending. */
  written: Record<number, number[]>;
}

export function cloneMd(m: MdState): MdState {
  const maps: MdState['maps'] = {};
  for (const [k, v] of Object.entries(m.maps)) maps[Number(k)] = { file: v.file, ino: v.ino, valid: v.valid };
  const written: MdState['written'] = {};
  for (const [k, v] of Object.entries(m.written)) written[Number(k)] = v.slice();
  return { next: m.next, maps, written };
}
