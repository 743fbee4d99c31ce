// ASCII armor for an OpenPGP public key (RFC 4880 §6), so a binary key can be stored as a `.asc` keyring that
// apt reads with signed-by: minimal hosts have no gpg to convert it.

function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

export function isArmored(key: Buffer): boolean {
  return key.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP PUBLIC KEY BLOCK-----');
}

/** The key as armored text; an armored key is returned as is (line endings normalised). */
export function armorPublicKey(key: Buffer): string {
  if (isArmored(key)) return `${key.toString('utf8').replace(/\r\n/g, '\n').trimEnd()}\n`;
  const b64 = key.toString('base64').match(/.{1,64}/g) ?? [];
  const crc = Buffer.from([(crc24(key) >> 16) & 0xff, (crc24(key) >> 8) & 0xff, crc24(key) & 0xff]).toString('base64');
  return ['-----BEGIN PGP PUBLIC KEY BLOCK-----', '', ...b64, `=${crc}`, '-----END PGP PUBLIC KEY BLOCK-----', ''].join('\n');
}
