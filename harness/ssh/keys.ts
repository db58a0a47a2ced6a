// Per-run SSH key material: a fresh client key for vfslab.key=, and the guest's
// host key as announced by VFSLAB-HOSTKEY, to be pinned.
import ssh2 from 'ssh2';
const { utils } = ssh2;

export interface ClientKey {
  /** OpenSSH private key text, for ssh2's `privateKey`. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment` */
  publicLine: string;
  /** base64 of the authorized_keys line (with its newline), for vfslab.key=. */
  authorizedKeyB64: string;
}

export function generateClientKey(comment = 'vfslab'): ClientKey {
  // ssh2 1.17 drops a leading zero byte of an ed25519 public key (1 key in
  // 256), and then cannot parse its own private key: draw again.
  let pair = utils.generateKeyPairSync('ed25519', { comment });
  while (utils.parseKey(pair.private) instanceof Error) pair = utils.generateKeyPairSync('ed25519', { comment });
  const publicLine = pair.public.trim();
  return {
    privateKey: pair.private,
    publicLine,
    authorizedKeyB64: Buffer.from(`${publicLine}\n`).toString('base64'),
  };
}

export interface HostKey {
  type: string;
  /** The SSH wire-format key blob. */
  blob: Buffer;
}

export function hostKeyFromMarker(type: string, base64: string): HostKey {
  return { type, blob: Buffer.from(base64, 'base64') };
}

/** ssh2 hands the verifier the raw key blob: accept exactly the announced key. */
export function hostKeyMatches(pinned: HostKey, offered: Buffer): boolean {
  return offered.length === pinned.blob.length && offered.equals(pinned.blob);
}
