import { useCallback, useState } from "react";

const KEY = "powboard.draft";

/**
 * The post form's text, kept by the page (and in sessionStorage, so a reload of
 * the tab keeps it too): closing the form with Escape, Cancel or Close does not
 * throw away what was written.
 */
export function useDraft(): [string, (text: string) => void] {
  const [draft, setDraftState] = useState(() => {
    try {
      return sessionStorage.getItem(KEY) ?? "";
    } catch {
      return "";
    }
  });
  const setDraft = useCallback((text: string) => {
    setDraftState(text);
    try {
      if (text === "") sessionStorage.removeItem(KEY);
      else sessionStorage.setItem(KEY, text);
    } catch {
      // Storage blocked: the draft still lives as long as the page.
    }
  }, []);
  return [draft, setDraft];
}
