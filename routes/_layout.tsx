import { define } from "@/lib/define.ts";
import { SiteHeader } from "@/components/SiteHeader.tsx";

/** Console chrome: header (full when signed in, minimal when not), then the page. */
export default define.layout(({ Component, state, url }) => (
  <>
    <a class="skip-link" href="#main">Skip to content</a>
    <SiteHeader path={url.pathname} theme={state.theme} dev={state.dev} auth={state.auth} />
    <main id="main" class="page">
      <Component />
    </main>
  </>
));
