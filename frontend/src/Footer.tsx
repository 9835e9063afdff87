/** Total count and the credits the GeoIP data's licence asks for. */
export function Footer({ count }: { count: number | null }) {
  return (
    <footer className="border-t">
      <div className="container flex flex-col gap-1 py-4 text-xs text-muted-foreground sm:flex-row sm:justify-between">
        <p data-testid="total-count">
          {count === null
            ? "Counting listings…"
            : `${count.toLocaleString("en")} ${count === 1 ? "listing" : "listings"} on the board`}
        </p>
        <p>
          IP geolocation by{" "}
          <a
            href="https://github.com/sapics/ip-location-db"
            className="underline underline-offset-2 hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            ip-location-db
          </a>{" "}
          (
          <a
            href="https://creativecommons.org/licenses/by/4.0/"
            className="underline underline-offset-2 hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            CC BY 4.0
          </a>
          , data from NRO)
        </p>
      </div>
    </footer>
  );
}
