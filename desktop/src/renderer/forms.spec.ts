import { describe, expect, it } from "vitest";
import { credentialsProblem, groupProblem, parseUsernames } from "./forms.ts";

describe("the forms", () => {
  it("checks registrations against the API's limits, logins only for presence", () => {
    expect(credentialsProblem({ username: "", password: "x" }, false)).toBe("Enter a username.");
    expect(credentialsProblem({ username: "al", password: "long enough" }, true)).toMatch(/3 to 32/);
    expect(credentialsProblem({ username: "al", password: "x" }, false)).toBe("");
    expect(credentialsProblem({ username: "alice", password: "short" }, true)).toMatch(/at least 8/);
    expect(credentialsProblem({ username: "@alice", password: "long enough" }, true)).toBe("");
    expect(credentialsProblem({ username: "alice", password: "" }, false)).toBe("Enter a password.");
  });

  it("reads usernames separated by spaces or commas, with or without @, once each", () => {
    expect(parseUsernames(" @Bob, carol  @bob,,dave ")).toEqual(["bob", "carol", "dave"]);
    expect(parseUsernames("   ")).toEqual([]);
  });

  it("needs a group name of at most 100 characters", () => {
    expect(groupProblem("  ")).toBe("Give the group a name.");
    expect(groupProblem("x".repeat(101))).toMatch(/at most 100/);
    expect(groupProblem("design review")).toBe("");
  });
});
