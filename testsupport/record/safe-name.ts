import { createHash } from 'node:crypto';

/** A file name from a test or file name: unsafe characters folded, long names shortened with a hash. */
export function safeName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
  if (cleaned.length <= 80) return cleaned || 'unnamed';
  return `${cleaned.slice(0, 70)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}
