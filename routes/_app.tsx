import { define } from "@/lib/define.ts";
import { asset } from "@/lib/fresh/mod.ts";

/** The document shell: every page renders inside it. */
export default define.app(({ Component, state }) => {
  const title = state.title ? `${state.title} · VPS Sentry` : "VPS Sentry";
  return (
    <html lang="en" data-theme={state.theme}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <link rel="stylesheet" href={asset("/styles.css", state.buildId)} />
        <link rel="icon" href={asset("/favicon.svg", state.buildId)} type="image/svg+xml" />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
});
