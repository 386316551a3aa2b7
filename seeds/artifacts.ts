/**
 * Hand-written demo artifacts: text people can ask about once the artifact worker has embedded it
 * (src/rag/artifacts.ts). The generated artifacts beside them carry placeholder text. Each entry
 * lists its versions in order; the first is inserted, the others are revisions, so the last one
 * is what an answer cites ("Brief — Aurora Air Spring Launch (v3)"). Their facts are not in the
 * knowledge base's documents, so seeds/QUESTIONS.md keeps pointing at the documents.
 */
import type { ArtifactType } from '../src/db/schema.ts'

export interface WrittenArtifact {
  type: ArtifactType
  title: string
  description: string
  versions: Array<{ content: string; changeSummary?: string }>
}

const HERO_FILM = (shoot: string, director: string, cutdowns: string) => `## Hero film: "Kilometre Three"
A 60-second film following one runner through the moment her legs start to feel heavy, and past it.
The film is shot in a single continuous take; the Aurora Air 3 appears only once, in the final five seconds.

## Production
The director of the hero film is ${director}.
The shoot is ${shoot}.
The music is an original track by Lowfield, licensed for 24 months in the UK and Ireland.
The cut-downs are ${cutdowns}.

## Mandatories
End frame with the Aurora Air 3 on the runner's feet, the line "Run lighter", and the pre-order URL.`

export const WRITTEN_ARTIFACTS: Record<string, WrittenArtifact[]> = {
  'aurora-air-spring-launch': [{
    type: 'brief',
    title: 'Aurora Air Spring Launch',
    description: 'Production brief for the hero film and its cut-downs.',
    versions: [
      { content: HERO_FILM('one day in Sheffield city centre, 4 February 2026', 'to be confirmed', '30s and 15s') },
      { content: HERO_FILM('two days at Ladybower Reservoir, 11–12 February 2026', 'Hana Okafor', '30s and 15s'), changeSummary: 'Director confirmed; location moved to the Peak District' },
      { content: HERO_FILM('two days at Ladybower Reservoir, 18–19 February 2026', 'Hana Okafor', '30s, 15s and a 6s bumper for YouTube'), changeSummary: 'Shoot moved a week for the weather window; 6s bumper added' },
    ],
  }],
}
