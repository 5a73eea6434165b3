import { runSagaCases } from "./saga_cases.ts";

runSagaCases("memory");
