import { countryName, flagEmoji } from "@/lib/country";

/**
 * A flag emoji whose accessible name is the country's name; `decorative` when the
 * name is already written next to it.
 */
export function CountryFlag({ code, decorative = false }: { code: string; decorative?: boolean }) {
  const name = countryName(code);
  const flag = flagEmoji(code);
  if (!flag)
    return decorative ? null : <span className="text-xs text-muted-foreground">{name}</span>;
  if (decorative) return <span aria-hidden="true">{flag}</span>;
  return (
    <span role="img" aria-label={name} title={name} className="text-base leading-none">
      {flag}
    </span>
  );
}
