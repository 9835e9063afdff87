import type { CountryCount } from "@/api";
import { countryName } from "@/lib/country";

import { CountryFlag } from "./CountryFlag";

interface Props {
  stats: CountryCount[];
  selected: string;
  onSelect: (code: string) => void;
}

/** Listings per country as a small table with proportional bars. */
export function CountryStats({ stats, selected, onSelect }: Props) {
  // Most listings first; ties by name, unknown last.
  const name = (c: string | null) => (c ? countryName(c) : "\uffff");
  const rows = [...stats].sort(
    (a, b) => b.count - a.count || name(a.country).localeCompare(name(b.country)),
  );
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <details className="rounded-lg border bg-card text-sm">
      <summary className="cursor-pointer select-none rounded-lg px-4 py-2 font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
        Listings by country
      </summary>
      {rows.length === 0 ? (
        <p className="px-4 pb-3 text-muted-foreground">No country data yet.</p>
      ) : (
        <table className="mb-2 w-full">
          <caption className="sr-only">Number of listings per country</caption>
          <thead>
            <tr className="text-left text-xs text-muted-foreground">
              <th scope="col" className="px-4 py-1 font-medium">
                Country
              </th>
              <th scope="col" className="px-4 py-1 text-right font-medium">
                Listings
              </th>
              <th scope="col" className="w-1/3 px-4 py-1">
                <span className="sr-only">Share</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.country ?? "unknown"}>
                <td className="px-4 py-1">
                  {r.country ? (
                    <button
                      type="button"
                      onClick={() => onSelect(r.country === selected ? "" : (r.country ?? ""))}
                      aria-pressed={r.country === selected}
                      className="inline-flex items-center gap-2 rounded-sm text-left underline-offset-2 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                    >
                      <CountryFlag code={r.country} decorative />
                      <span>{countryName(r.country)}</span>
                    </button>
                  ) : (
                    <span className="text-muted-foreground">Unknown</span>
                  )}
                </td>
                <td className="px-4 py-1 text-right tabular-nums">{r.count}</td>
                <td className="px-4 py-1" aria-hidden="true">
                  <div
                    className="h-2 rounded-full bg-primary/70"
                    style={{ width: `${(r.count / max) * 100}%` }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
