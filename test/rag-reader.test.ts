/**
 * The offline reader (src/rag/reader.ts through extractiveAnswer) on real documents of the demo
 * seed, each read whole as one retrieved passage: which sentence answers, and when it declines.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isRelevant } from '../src/handlers/ask.ts'
import { extractiveAnswer } from '../src/rag/answer.ts'
import { HashingEmbedder } from '../src/rag/embed.ts'
import { focusOf, focusUnheard, ownerOf, subjectMissing } from '../src/rag/reader.ts'
import type { RetrievedChunk } from '../src/rag/retrieve.ts'

const passage = (file: string, title: string, content = readFileSync(`seeds/knowledge/${file}`, 'utf8').replace(/^---[\s\S]*?---\n/, '')): RetrievedChunk => ({
  chunkId: file, documentId: file, title, heading: null, content, clientId: null, docType: 'policy', url: null, similarity: 0.3, textRank: null, score: 0.03,
})
const policy = passage('northwind-timesheet-and-billing-policy.md', 'Timesheet and Billing Policy')
const aurora = passage('northwind-brand-guidelines-aurora-air.md', 'Aurora Air Brand Guidelines')
const dashdish = passage('northwind-brief-dashdish-late-night-cravings.md', 'Creative Brief — Dashdish Late Night Cravings')

describe('the offline reader', () => {
  it('reads how people say it: logging time in "chunks" or "blocks" is the policy\'s recording it in increments', () => {
    const a = extractiveAnswer('do i log time in 15 min chunks or can i do 10 mins?', [policy])
    expect(a.found).toBe(true)
    expect(a.text.split('\n')[0]).toMatch(/Record time in 15-minute increments/)
    const southpaw = passage('southpaw-timesheet-and-invoicing-policy.md', 'Southpaw Time Tracking and Invoicing Policy')
    expect(extractiveAnswer('do we log time in tenths of an hour or 15 min blocks?', [southpaw]).text.split('\n')[0]).toMatch(/6-minute increments/)
  })

  it('reads "what will it sell for" as its price', () => {
    const brief = passage('northwind-brief-halcyon-glow-serum-launch.md', 'Creative Brief — Halcyon Glow Serum Launch')
    expect(extractiveAnswer('how much is daybreak going to sell for?', [brief]).text.split('\n')[0]).toMatch(/£38 for 30 ml/)
  })

  it('counts a question word the passage says otherwise toward relevance ("nicked" is "stolen"), and still turns away one it lacks', () => {
    const onboarding = passage('northwind-onboarding-guide.md', 'New Starter Onboarding Guide')
    const model = new HashingEmbedder().model
    expect(isRelevant('my laptop got nicked on saturday, how quickly do i need to tell IT?', [onboarding], model)).toBe(true)
    expect(isRelevant('my bike got nicked on saturday, which bike shop fixes frames?', [onboarding], model)).toBe(false)
  })

  it('weighs the question after a lead-in on its own: the scene\'s words are rarely in the answer', () => {
    const onboarding = passage('northwind-onboarding-guide.md', 'New Starter Onboarding Guide')
    const model = new HashingEmbedder().model
    expect(isRelevant('got a courier dropping off early tmrw with a parcel for marketing, what time is reception open from?', [onboarding], model)).toBe(true)
    expect(isRelevant('got a courier dropping off early tmrw with a parcel for marketing, which courier firm is cheapest?', [onboarding], model)).toBe(false)
  })

  it('answers "what speed" with a number and its unit, not a sentence that mentions speed beside another number', () => {
    const sow = passage('northwind-sow-tidewave-fibre-full-speed.md', 'Statement of Work — Tidewave Fibre Full Speed')
    const brief = passage('northwind-brief-tidewave-fibre-full-speed.md', 'Creative Brief — Tidewave Fibre Full Speed')
    expect(extractiveAnswer('what speed are we claiming for tidewave fibre', [sow, brief]).text.split('\n')[0]).toMatch(/^900 Mbps average download speed/)
  })

  it('leads with the sentence that states the rule, not its exceptions', () => {
    const a = extractiveAnswer('when do timesheets need to be in by?', [policy])
    expect(a.found).toBe(true)
    expect(a.text.split('\n')[0]).toMatch(/by 17:00 every Friday.*\[1\]$/)
    expect(a.text.split('\n').length).toBeLessThanOrEqual(3)   // one answer, at most two supporting quotes
    expect(a.citations.map((c) => c.title)).toEqual(['Timesheet and Billing Policy'])
  })

  it('reads a table row with its headers: a colour question gets the hex code, not the header row', () => {
    const a = extractiveAnswer("whats aurora air's main brand colour? need the hex", [aurora])
    expect(a.text.split('\n')[0]).toMatch(/Aurora Violet — Primary — #5B2EFF/)
  })

  it('answers "how many X" with a count of X, not a share of them or another number near them', () => {
    const wrap = passage('southpaw-meeting-notes-2026-03-19-harborview-first-home-wrap.md', 'Harborview First Home — wrap-up')
    const a = extractiveAnswer('how many pre-approvals did harborview first home end up with?', [wrap])
    expect(a.text.split('\n')[0]).toMatch(/^2,611 mortgage pre-approvals against a target of 2,400/)
  })

  it('matches a misspelt word to the document’s', () => {
    const a = extractiveAnswer('how many resturants does dashdish have open til 2am?', [dashdish])
    expect(a.found).toBe(true)
    expect(a.text).toMatch(/340 restaurants/)
  })

  it('declines with nothing quoted when no sentence has what is asked for, and names who might know', () => {
    const a = extractiveAnswer("what's our brand colour hex?", [policy])
    expect(a).toMatchObject({ found: false, citations: [] })
    expect(a.text).toMatch(/^I couldn't find this in the knowledge base, so I won't guess\./)
    const near = extractiveAnswer('what hex do we use for timesheet reminders?', [policy])
    expect(near).toMatchObject({ found: false, citations: [] })
    expect(near.text).toContain('The nearest document is "Timesheet and Billing Policy"; Priya Raman, Finance Director may know.')
  })

  it('finds the name a question is about that no passage mentions', () => {
    // Every other word of these questions is in the policy; the brief or client named is not.
    expect(subjectMissing("what's the SMP on the kestrel brief?", [policy])).toBe('kestrel')
    expect(subjectMissing("what's the Copperline timesheet deadline?", [policy])).toBe('Copperline')
    // English words (a paraphrase may stand for the document's words), short words, weekdays,
    // abbreviations and compounds of the passage's words are not names.
    expect(subjectMissing('when do timesheets need to be in by at the moment? need to fix mine', [policy])).toBeUndefined()
    expect(subjectMissing('is the timesheet deadline different on a Friday, FYI?', [policy])).toBeUndefined()
    expect(subjectMissing('whats the awareness uplift on dashdish?', [dashdish])).toBeUndefined()
    expect(subjectMissing('how many resturants does dashdish have open til 2am?', [dashdish])).toBeUndefined()
    // Chat shorthand is not a name either.
    expect(subjectMissing('need to fix my timesheet tmrw, prob friday, when is it due?', [policy])).toBeUndefined()
  })

  it('finds what a question asks about from its first words, and which of those words no passage has', () => {
    expect(focusOf('is there a dress code for client meetings?')).toEqual({ phrase: 'dress code', stems: ['dress', 'code'] })
    expect(focusOf("when's the southpaw holiday party?")?.phrase).toBe('southpaw holiday party')
    expect(focusOf('do we get a sabbatical after 5 years?')?.phrase).toBe('sabbatical')
    expect(focusOf('how many ritual rewards signups have we got so far?')?.phrase).toBe('ritual rewards signups')
    // A question that does not name its subject up front has no focus.
    expect(focusOf('photographer wants to crack on before the PO comes through, is that ok?')).toBeNull()
    expect(focusOf('whats the SMP for aurora kids?')).toBeNull()
    // "the latest", "the most": a limit of something named later, not a subject.
    expect(focusOf('whats the latest we can get finished artwork to the media owners?')).toBeNull()
    expect(focusOf("what's the most i can spend on a hotel?")).toBeNull()
    // The policy says "holiday" and "code" (and "deadline", said as "due"); it says nothing of companies, barbecues or dress.
    expect(focusUnheard("when's the company holiday barbecue?", [policy])).toEqual({ phrase: 'company holiday barbecue', words: ['company', 'barbecue'] })
    expect(focusUnheard('is there a dress code for client meetings?', [policy])?.words).toEqual(['dress'])
    expect(focusUnheard("what's the timesheet due date?", [policy])).toBeUndefined()
    // Misspelt or said otherwise, a word is heard: "typeface" is the guidelines' typography.
    expect(focusUnheard("what's the timesheet dedline?", [policy])).toBeUndefined()
    expect(focusUnheard("what's the headline typeface for aurora air", [aurora])).toBeUndefined()
  })

  it('answers "can we…?" and "is that ok?" with the sentence that states the rule, reading "it" as what the sentence before names', () => {
    const fizzwell = passage('northwind-brand-guidelines-fizzwell.md', 'Fizzwell Brand Guidelines')
    const a = extractiveAnswer("can we use 'pop it open' as the headline on the fizzwell posters?", [fizzwell])
    expect(a.text.split('\n')[0]).toMatch(/never as a headline/)
    const review = passage('northwind-howto-review-and-approval.md', 'Review and approval in Proofline')
    const b = extractiveAnswer("client just replied 'approved' over email for the final artwork, is that ok or does it need to go through proofline?", [review])
    expect(b.text.split('\n')[0]).toMatch(/Email approvals are not accepted for final artwork/)
  })

  it('reads "how much lighter" as a difference in any unit, and two words of one meaning as one', () => {
    const brief = passage('northwind-brief-aurora-air-spring-launch.md', 'Creative Brief — Aurora Air Spring Launch')
    expect(extractiveAnswer('how much lighter is the air 3 than the old one?', [brief]).text.split('\n')[0]).toMatch(/41 g lighter than the Air 2/)
    // "new" and "starters" once stood for two matches of one synonym group, so any "new" sentence won.
    const guide = readFileSync('seeds/knowledge/northwind-onboarding-guide.md', 'utf8')
    const onboarding = passage('northwind-onboarding-guide.md', 'Onboarding Guide', guide.slice(guide.indexOf('## Your first month')))
    const vendors = passage('northwind-howto-vendor-portal-tips.md', 'Supplier Hub tips')
    expect(extractiveAnswer('how long is probation for new starters?', [vendors, onboarding]).text.split('\n')[0]).toMatch(/six months/)
  })

  it('takes a word written as a name ("southpaw\'s", "the Pioneer range") as the subject even when it is also English', () => {
    expect(subjectMissing("what's southpaw's timesheet deadline?", [policy])).toBe("southpaw's")
    expect(subjectMissing('what is the timesheet deadline for the Pioneer team?', [policy])).toBe('Pioneer')
    // Days and months are capitalised without being names.
    expect(subjectMissing('what is the timesheet deadline on Saturday?', [policy])).toBeUndefined()
  })

  it('finds the owner a document names', () => {
    expect(ownerOf(policy.content)).toBe('Priya Raman, Finance Director')
    expect(ownerOf(aurora.content)).toBe('Mia Novak, lead Art Director on Aurora')
    expect(ownerOf('Nothing here names anyone.')).toBeNull()
  })

  it("quotes a document's own bracketed numerals as (n), so only Workroom's markers cite", () => {
    const doc = passage('x.md', 'Expenses', 'Meals are capped at £35 per day, see [2] and [3, 4] for details.')
    const a = extractiveAnswer('how much can I spend on meals per day?', [doc])
    expect(a.text).toBe('Meals are capped at £35 per day, see (2) and (3, 4) for details. [1]')
  })
  it('counts numbers written as words: "how many X" is answered by "at most two X"', () => {
    const template = passage('northwind-creative-brief-template.md', 'Creative Brief Template')
    const a = extractiveAnswer('how many comms objectives are we allowed in a brief', [template])
    expect(a.text.split('\n')[0]).toMatch(/at most two communication objectives.*\[1\]$/)
  })

  it("looks for the kind of answer in what a sentence adds to the question: the question's own name is not the typeface", () => {
    const a = extractiveAnswer('whats the headline typeface for aurora air', [aurora])
    expect(a.text.split('\n')[0]).toMatch(/Neue Haas Grotesk Display/)
  })

  it('answers what something costs with money before a percentage', () => {
    const doc = passage('x.md', 'Daybreak', 'Daybreak will sell as a 15% vitamin C serum. Daybreak will sell at £38 for 30 ml.')
    expect(extractiveAnswer('how much is daybreak going to sell for?', [doc]).text.split('\n')[0]).toBe('Daybreak will sell at £38 for 30 ml. [1]')
    // …while a share is still an answer where no sentence has an amount.
    const surcharge = passage('y.md', 'SOW', 'Weekend filming carries a 50% crew surcharge.')
    expect(extractiveAnswer('do we charge extra for weekend filming?', [surcharge]).text).toMatch(/50% crew surcharge/)
  })
  it('does not answer "how many did we get in the end?" with what was aimed for, but does with how it went', () => {
    const doc = passage('x.md', 'Brief', 'Business: get 30,000 guests signed up to Ritual Rewards within 10 weeks.')
    expect(extractiveAnswer('how many ritual rewards signups have we got so far?', [doc]).found).toBe(false)
    expect(extractiveAnswer('how many guests did ritual rewards sign up in the end?', [passage('y.md', 'Wrap', 'Ritual Rewards signed up 31,200 guests against a target of 30,000.')]).text).toMatch(/31,200 guests/)
    // Asked what the aim is, the aim is the answer.
    expect(extractiveAnswer('how many ritual rewards signups are we aiming for?', [doc]).text).toMatch(/30,000 guests/)
  })
})
