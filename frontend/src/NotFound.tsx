import { useEffect } from "react";

/** Any path but the board's: say so instead of showing the board under a wrong address. */
export function NotFound() {
  useEffect(() => {
    document.title = "Page not found · powboard";
  }, []);
  return (
    <main className="container flex-1 space-y-3 py-8" data-testid="not-found">
      <h2 className="text-xl font-semibold">Page not found</h2>
      <p className="text-muted-foreground">
        There is nothing at <code dir="auto">{window.location.pathname}</code>.
      </p>
      <p>
        <a
          href="/"
          className="font-medium underline underline-offset-2 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          Go to the board
        </a>
      </p>
    </main>
  );
}
