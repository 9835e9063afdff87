import { countryName, flagEmoji } from "@/lib/country";

/**
 * A flag emoji whose accessible name is the country's name, with the country code
 * written beside it (Windows draws flag emoji as two plain letters, so the flag
 * alone does not say much there); `decorative` when the name is already written
 * next to it.
 */
export function CountryFlag({ code, decorative = false }: { code: string; decorative?: boolean }) {
  const name = countryName(code);
  const flag = flagEmoji(code);
  if (!flag)
    return decorative ? null : <span className="text-xs text-muted-foreground">{name}</span>;
  if (decorative) return <span aria-hidden="true">{flag}</span>;
  return (
    <span className="inline-flex items-center gap-1" title={name} data-testid="country">
      <span role="img" aria-label={name} className="text-base leading-none">
        {flag}
      </span>
      <span aria-hidden="true" className="font-medium tracking-wide">
        {code.toUpperCase()}
      </span>
    </span>
  );
}
