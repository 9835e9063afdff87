import { Button } from "@/components/ui/button";

/** "3 new listings — show": listings that arrived since the view loaded (see useNewListings). */
export function NewListingsButton({ count, onShow }: { count: number; onShow: () => void }) {
  if (count <= 0) return null;
  return (
    <div className="flex justify-center">
      <Button variant="secondary" data-testid="show-new" onClick={onShow}>
        {count >= 30 ? "30+" : count} new {count === 1 ? "listing" : "listings"} — show
      </Button>
    </div>
  );
}
