import { BlockList, isIP } from 'node:net';

/**
 * The moderation lists of the settings: one entry a line, each a word or
 * phrase (matched in name, email, website and text, case-insensitively), an
 * email address, or an IP address or range in CIDR form (matched against the
 * sender's address at the moment of posting; addresses are never stored).
 */
export class ModerationList {
  private readonly words: string[] = [];
  private readonly ips = new BlockList();
  private hasIps = false;

  constructor(text: string) {
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim().toLowerCase();
      if (!line) continue;
      const [address, bits] = line.split('/');
      const family = isIP(address ?? '');
      if (family) {
        const type = family === 6 ? 'ipv6' : 'ipv4';
        if (bits !== undefined && /^\d{1,3}$/.test(bits)) this.ips.addSubnet(address!, Number(bits), type);
        else this.ips.addAddress(address!, type);
        this.hasIps = true;
      } else {
        this.words.push(line);
      }
    }
  }

  matches(fields: { name: string; email: string; url: string; body: string }, ip: string): boolean {
    const text = `${fields.name}\n${fields.email}\n${fields.url}\n${fields.body}`.toLowerCase();
    if (this.words.some((w) => text.includes(w))) return true;
    if (!this.hasIps) return false;
    const family = isIP(ip);
    const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    return family !== 0 && this.ips.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  }
}

const parsed = new Map<string, ModerationList>();

/** The list for this settings text, parsed once rather than on every comment. */
export function moderationList(text: string): ModerationList {
  let list = parsed.get(text);
  if (!list) {
    if (parsed.size >= 8) parsed.clear();
    list = new ModerationList(text);
    parsed.set(text, list);
  }
  return list;
}

/** Links a reader wrote: counted for the hold-if-more-than-N rule. */
export function countLinks(text: string): number {
  return (text.match(/https?:\/\/|www\./gi) ?? []).length;
}
