import { useSignal } from "@preact/signals";
import type { Theme } from "@/lib/state.ts";
import { nextTheme, THEME_COOKIE } from "@/lib/ui/theme.ts";

const LABELS: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };

/** Cycles system → light → dark; the cookie lets the server render the choice next time. */
export default function ThemeToggle(props: { initial: Theme }) {
  const theme = useSignal<Theme>(props.initial);
  const choose = () => {
    const next = nextTheme(theme.value);
    theme.value = next;
    document.documentElement.dataset.theme = next;
    document.cookie = `${THEME_COOKIE}=${next}; Path=/; Max-Age=31536000; SameSite=Lax`;
  };
  return (
    <button type="button" class="theme-toggle" onClick={choose} data-theme-value={theme.value}>
      Theme: {LABELS[theme.value]}
    </button>
  );
}
