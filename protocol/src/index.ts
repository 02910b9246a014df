export { SeqTrack, type Sequenced } from "./seq-track.ts";
