import { define } from "@/lib/define.ts";
import { SiteHeader } from "@/components/SiteHeader.tsx";

/** Console chrome: header with navigation, then the page. */
export default define.layout(({ Component, state, url }) => (
  <>
    <a class="skip-link" href="#main">Skip to content</a>
    <SiteHeader path={url.pathname} theme={state.theme} dev={state.dev} />
    <main id="main" class="page">
      <Component />
    </main>
  </>
));
