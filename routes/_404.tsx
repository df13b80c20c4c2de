import type { ErrorPageProps } from "@/lib/fresh/mod.ts";

export default function NotFound(props: ErrorPageProps) {
  return (
    <section class="error-page">
      <h1>Page not found</h1>
      <p>
        Nothing is at <code>{props.url.pathname}</code>. Check the address, or go back to the{" "}
        <a href="/">overview</a>.
      </p>
    </section>
  );
}
