import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applySelection, type MappingVariables } from "../../../gateway/src/connectors/apply-selection.ts";
import { parseSelection, type VariableName } from "../../../gateway/src/connectors/selection.ts";
import { parseTemplate, renderTemplate } from "../../../gateway/src/connectors/url-template.ts";

const site = { directive: "@connect on Query.x", argument: "selection" };
const all: VariableName[] = ["$args", "$this", "$batch", "$config"];
const map = (selection: string, value: unknown, vars: MappingVariables = {}) => applySelection(parseSelection(selection, site, all), value, vars);

describe("connector mapping language subset", () => {
  const cases: Array<{ rule: string; selection: string; input: unknown; vars?: MappingVariables; expected: unknown }> = [
    { rule: "field names copy fields", selection: "id status", input: { id: "c1", status: "ok", extra: 1 }, expected: { id: "c1", status: "ok" } },
    { rule: "an alias renames a field", selection: "amountCents: amount", input: { amount: 5 }, expected: { amountCents: 5 } },
    { rule: "a nested path reads below the top level", selection: "paymentId: metadata.payment_id", input: { metadata: { payment_id: "p1" } }, expected: { paymentId: "p1" } },
    { rule: "a missing field is left out, not null", selection: "id missing", input: { id: "c1" }, expected: { id: "c1" } },
    { rule: "a subselection applies to each element of a list", selection: "items { id }", input: { items: [{ id: 1, x: 2 }, { id: 3 }] }, expected: { items: [{ id: 1 }, { id: 3 }] } },
    { rule: "a top-level path with a subselection maps what it points at", selection: "$.data { id n: name }", input: { data: [{ id: 1, name: "a" }] }, expected: [{ id: 1, n: "a" }] },
    { rule: "an object literal builds an object from the current value", selection: "id owner: { id: owner_id }", input: { id: 1, owner_id: "u1" }, expected: { id: 1, owner: { id: "u1" } } },
    { rule: "variables are read with an alias", selection: "charge: $args.chargeId amount: $args.amount", input: null, vars: { $args: { chargeId: "c1" } }, expected: { charge: "c1" } },
    { rule: "$config reads the gateway config's values", selection: "key: $config.apiKey", input: null, vars: { $config: { apiKey: "k" } }, expected: { key: "k" } },
    { rule: "$this reads the parent object", selection: "parent: $this.id", input: {}, vars: { $this: { id: "x" } }, expected: { parent: "x" } },
    { rule: "a whole selection that is one path evaluates to its value", selection: "error.message", input: { error: { message: "no" } }, expected: "no" },
    { rule: "comments are ignored", selection: "id # the charge id\nstatus", input: { id: 1, status: 2 }, expected: { id: 1, status: 2 } },
  ];
  for (const c of cases) it(c.rule, () => assert.deepEqual(map(c.selection, c.input, c.vars), c.expected));

  const refused: Array<{ construct: string; selection: string; message: RegExp }> = [
    { construct: "a method", selection: "ids: $.data->first", message: /the method `->first`/ },
    { construct: "a literal", selection: "kind: $('card')", message: /the literal value `\$\(…\)`/ },
    { construct: "a spread", selection: "...rest", message: /the spread `\.\.\.`/ },
    { construct: "an unknown variable", selection: "key: $env.apiKey", message: /the variable `\$env`/ },
    { construct: "a quoted key", selection: '"odd key"', message: /a quoted field name/ },
    { construct: "an unaliased path among fields", selection: "id metadata.payment_id", message: /needs an alias/ },
    { construct: "an optional chain", selection: "a: b?.c", message: /`\?`/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.construct}, naming the directive and the construct`, () => {
      assert.throws(() => parseSelection(c.selection, site, all), (e: Error) => {
        assert.match(e.message, /^connectors: @connect on Query\.x, selection: /);
        assert.match(e.message, c.message);
        return true;
      });
    });
  }

  it("refuses a variable the connector's position does not offer", () => {
    assert.throws(() => parseSelection("id: $this.id", site, ["$args"]), /`\$this` is not available here/);
  });
});

describe("connector URL templates", () => {
  const render = (template: string, vars: MappingVariables) => renderTemplate(parseTemplate(template, site, all), vars);
  it("percent-encodes each value", () => assert.equal(render("/v1/charges/{$args.id}", { $args: { id: "a/b c" } }), "/v1/charges/a%2Fb%20c"));
  it("writes a list comma-separated, each item encoded, nulls left out", () =>
    assert.equal(render("/v1/charges?ids={$batch.id}", { $batch: [{ id: "a" }, { id: null }, { id: "b,c" }] }), "/v1/charges?ids=a,b%2Cc"));
  it("refuses an expression that is not one variable path", () => assert.throws(() => parseTemplate("/x/{id}", site, all), /must be one variable path/));
  it("refuses an unclosed slot", () => assert.throws(() => parseTemplate("/x/{$args.id", site, all), /unclosed `\{`/));
});
