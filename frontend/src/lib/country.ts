//! Country codes to flags and names, with no data tables: the flag is two Unicode
//! regional-indicator symbols and the name comes from the browser's Intl data.

const REGIONAL_INDICATOR_A = 0x1f1e6;

/** "DE" -> "🇩🇪"; null for anything that is not two ASCII letters. */
export function flagEmoji(code: string): string | null {
  const cc = code.toUpperCase();
  if (!/^[A-Z]{2}$/.test(cc)) return null;
  return String.fromCodePoint(
    REGIONAL_INDICATOR_A + cc.charCodeAt(0) - 65,
    REGIONAL_INDICATOR_A + cc.charCodeAt(1) - 65,
  );
}

const namesCache = new Map<string, Intl.DisplayNames>();

/** The country's name in `locale` ("DE" -> "Germany"); the code itself when unknown. */
export function countryName(code: string, locale = "en"): string {
  let names = namesCache.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale], { type: "region", fallback: "code" });
    namesCache.set(locale, names);
  }
  try {
    return names.of(code.toUpperCase()) ?? code;
  } catch {
    // Intl throws RangeError on malformed codes.
    return code;
  }
}

/** A two-letter country code typed by a user, or null when it is not one. */
export function parseCountryCode(input: string): string | null {
  const cc = input.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(cc) ? cc : null;
}
