import { useId } from "react";

import type { CountryCount } from "@/api";
import { countryName, flagEmoji } from "@/lib/country";

interface Props {
  value: string;
  onChange: (code: string) => void;
  stats: CountryCount[];
}

/** Filters results by country; offers the countries that have listings. */
export function CountryFilter({ value, onChange, stats }: Props) {
  const id = useId();
  const codes = stats.flatMap((s) => (s.country ? [s.country] : []));
  // Keep a chosen country selectable even if the stats have not caught up.
  if (value && !codes.includes(value)) codes.push(value);
  const options = codes
    .map((code) => ({ code, name: countryName(code) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="flex items-center">
      <label htmlFor={id} className="sr-only">
        Country
      </label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={options.length === 0}
        className="h-10 w-full rounded-md border border-input bg-background px-3 text-base focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background disabled:opacity-60 sm:w-48 sm:text-sm"
      >
        <option value="">All countries</option>
        {options.map(({ code, name }) => (
          <option key={code} value={code}>
            {`${flagEmoji(code) ?? ""} ${name}`.trim()}
          </option>
        ))}
      </select>
    </div>
  );
}
