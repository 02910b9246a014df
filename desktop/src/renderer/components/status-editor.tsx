import { type AvailabilityName, type ChatModel, statusTextAt, userMessage } from "@chat/client";
import { useState } from "preact/hooks";
import { type StatusDuration, statusDurations, statusExpiry } from "../status-view.ts";
import type { DesktopAction, DesktopState } from "../view-model.ts";

/** The availabilities a person picks from, with what each means to others. */
const choices: { value: AvailabilityName; label: string }[] = [
  { value: "online", label: "Online" },
  { value: "away", label: "Away" },
  { value: "busy", label: "Busy (do not disturb)" },
  { value: "invisible", label: "Invisible (appear offline)" },
];

/** Sets my availability and a custom status text that clears by itself after a while. */
export function StatusEditor({ state, model }: { state: DesktopState; model: ChatModel<DesktopState, DesktopAction> }) {
  const current = state.statuses[state.me];
  const [availability, setAvailability] = useState<AvailabilityName>(current?.availability ?? "online");
  const [text, setText] = useState(statusTextAt(current, Date.now()));
  const [duration, setDuration] = useState<StatusDuration>("never");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const close = () => model.dispatch({ type: "statusEditor", open: false });
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const expiresAt = text.trim() ? statusExpiry(duration, Date.now()) : undefined;
      await model.setStatus({ availability, text: { text: text.trim(), ...(expiresAt !== undefined ? { expiresAt } : {}) } });
      close();
    } catch (err) {
      setBusy(false);
      setError(userMessage(err));
    }
  };
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes it from the keyboard (the form's onKeyDown)
    <div class="dialog-backdrop" role="dialog" aria-modal="true" aria-label="Set your status" onClick={(e) => e.target === e.currentTarget && close()}>
      <form class="dialog status-editor" onSubmit={save} onKeyDown={(e) => e.key === "Escape" && close()}>
        <h2>Your status</h2>
        <fieldset class="availability">
          <legend>Availability</legend>
          {choices.map((c) => (
            <label key={c.value} class="choice">
              <input type="radio" name="availability" value={c.value} checked={availability === c.value} onChange={() => setAvailability(c.value)} />
              {c.label}
            </label>
          ))}
        </fieldset>
        <label>
          Status text
          <input value={text} maxLength={100} placeholder="In a meeting" onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <label>
          Clear after
          <select value={duration} onChange={(e) => setDuration(e.currentTarget.value as StatusDuration)}>
            {statusDurations.map((d) => <option key={d.id} value={d.id}>{d.label}</option>)}
          </select>
        </label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <div class="dialog-buttons">
          <button type="button" onClick={close}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>Save</button>
        </div>
      </form>
    </div>
  );
}
