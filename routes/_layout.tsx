import { define } from "@/lib/define.ts";
import { SiteHeader } from "@/components/SiteHeader.tsx";
import { NowContext } from "@/lib/ui/time.ts";

/**
 * Console chrome: header (full when signed in, minimal when not), then the page, which gets the
 * request's now for relative times (`NowContext`).
 */
export default define.layout(({ Component, state, url }) => (
  <>
    <a class="skip-link" href="#main">Skip to content</a>
    <SiteHeader path={url.pathname} theme={state.theme} auth={state.auth} />
    <main id="main" class="page">
      <NowContext.Provider value={state.services.clock.now().toISOString()}>
        <Component />
      </NowContext.Provider>
    </main>
  </>
));
