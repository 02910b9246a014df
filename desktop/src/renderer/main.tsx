import { render } from "preact";
import { App } from "./components/app.tsx";
import { detectPlatform } from "./platform.ts";
import "./emoji.css";
import "./styles.css";

// The renderer's entry: find out where it runs (Electron or a browser tab), then draw.
const platform = await detectPlatform();
render(<App platform={platform} />, document.getElementById("app")!);
