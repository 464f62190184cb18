import { describe, expect, it } from "vitest";
import { compareNamespaces, listedAfter, listStartAfter, namespaceOfObject } from "./namespace-walk";

describe("listStartAfter", () => {
  it("starts past the deployment's dot folders, then past every object of the namespace before", () => {
    const start = listStartAfter("cc/", null);
    expect(start).toBe("cc//");
    for (const folder of ["cc/.generations/app", "cc/.leases/app/1/k", "cc/.tags/app/t", "cc/.sweep/cursor"]) expect(folder < start).toBe(true);
    expect("cc/0/1/k" > start).toBe(true);
    const after = listStartAfter("cc/", "app");
    for (const own of ["cc/app/1/k", "cc/app/12/zzz", "cc/app/1/\uffff"]) expect(own < after).toBe(true);
    // Namespaces that share its start, in the order a listing meets them.
    expect("cc/app-x/1/k" < "cc/app/1/k").toBe(true);
    for (const next of ["cc/app0/1/k", "cc/app_x/1/k", "cc/appz/1/k", "cc/b/1/k"]) expect(next > after).toBe(true);
  });
});

describe("namespaceOfObject", () => {
  it("is the first segment after the prefix when it is a valid namespace", () => {
    expect(namespaceOfObject("cc/", "cc/app/3/user/42")).toBe("app");
    expect(namespaceOfObject("", "app/0/k")).toBe("app");
  });

  it("is null for anything that is not an item's object", () => {
    expect(namespaceOfObject("cc/", "other/app/0/k")).toBeNull();
    expect(namespaceOfObject("cc/", "cc/README")).toBeNull();
    expect(namespaceOfObject("cc/", "cc/Upper/0/k")).toBeNull();
    expect(namespaceOfObject("cc/", "cc//0/k")).toBeNull();
    expect(namespaceOfObject("cc/", `cc/${"a".repeat(65)}/0/k`)).toBeNull();
  });
});

describe("compareNamespaces and listedAfter: one order for every token", () => {
  it("orders names as their objects are in storage (a name followed by '/')", () => {
    expect(["app", "app-x", "app_y", "app1", "ab", "b"].sort(compareNamespaces)).toStrictEqual(["ab", "app-x", "app", "app1", "app_y", "b"]);
  });

  it("lists after a name exactly what the storage walk lists after it", () => {
    const names = ["ab", "app-x", "app", "app1", "app_y", "b"];
    expect(names.filter((name) => listedAfter(name, null))).toStrictEqual(names);
    expect(names.filter((name) => listedAfter(name, "app"))).toStrictEqual(["app1", "app_y", "b"]);
    expect(names.filter((name) => listedAfter(name, "app-x"))).toStrictEqual(["app", "app1", "app_y", "b"]);
    // The same as comparing each name's first object with where the walk starts listing.
    for (const after of names) {
      for (const name of names) expect(listedAfter(name, after)).toBe(`p/${name}/item` > listStartAfter("p/", after));
    }
  });
});
