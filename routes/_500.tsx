import type { ErrorPageProps } from "@/lib/fresh/mod.ts";

/** Every non-404 error: only an HttpError's message is shown; the request id links to the logs. */
export default function ErrorPage(props: ErrorPageProps) {
  return (
    <section class="error-page">
      <h1>{props.status >= 500 ? "Something went wrong" : `Request refused (${props.status})`}</h1>
      <p>{props.message}</p>
      <p class="muted">
        Request id <code>{props.requestId}</code>, quote it when you report this.
      </p>
    </section>
  );
}
