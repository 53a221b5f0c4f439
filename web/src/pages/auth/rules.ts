/** Field rules mirroring the server's (`crates/domain/src/names.rs`); the server checks again. */

/** Username: 3 to 32 characters. */
export const usernameRule = (value: string): string | null => {
  const v = value.trim();
  return v.length < 3 || v.length > 32 ? 'Use 3 to 32 characters.' : null;
};

/** Password: 12 to 128 characters (code points). */
export const passwordRule = (value: string): string | null => {
  const n = Array.from(value).length;
  if (n < 12) return 'Use at least 12 characters.';
  if (n > 128) return 'Use at most 128 characters.';
  return null;
};

/** Any non-blank value. */
export const requiredRule =
  (what: string) =>
  (value: string): string | null =>
    value.trim() === '' ? `Enter ${what}.` : null;

/** Something that looks like an email address. */
export const emailRule = (value: string): string | null =>
  /^[^@\s]+@[^@\s]+$/.test(value.trim()) ? null : 'Enter an email address.';
