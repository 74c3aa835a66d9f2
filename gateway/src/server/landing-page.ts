/**
 * The developer page for browsers that open the GraphQL URL: Apollo Sandbox, rendered through
 * the landing-page plugin's public hooks (no Apollo Server instance), with Apollo's usage
 * reporting off. Rendered per request: the page carries a fresh CSP nonce.
 */
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";

export type LandingPage = () => Promise<string>;

export async function sandboxLandingPage(): Promise<LandingPage> {
  const plugin = ApolloServerPluginLandingPageLocalDefault({ embed: { runTelemetry: false }, includeCookies: false });
  // The hook reads nothing of the server it is given.
  const listener = await plugin.serverWillStart!({} as never);
  if (!listener || !("renderLandingPage" in listener) || !listener.renderLandingPage) throw new Error("the Sandbox landing page plugin rendered no page");
  const render = listener.renderLandingPage;
  return async () => {
    const page = await render();
    return typeof page.html === "string" ? page.html : page.html();
  };
}
