"""The tags of the public API, in the order the documentation shows them, each with what it
groups. Client generators make one module per tag; the merged document (``gateway.openapi``)
lists exactly the tags its operations use, described here."""

TAGS: dict[str, str] = {
    "auth": "Tokens (password and client-credentials grants), the issuer's keys and discovery "
            "document, and sign-up.",
    "admin": "Accounts of people and machine clients, their roles and links (admins only).",
    "programmes": "Labour-mobility programmes: their intake, eligibility rules, seats and "
                  "statistics, and the origins they suspend.",
    "reports": "Views composed from several services, such as a programme's overview.",
    "candidates": "Candidate profiles, their consents, bulk imports and erasure.",
    "applications": "Applications of candidates to programmes and their actions (submit, "
                    "screen, shortlist, reject, withdraw).",
    "selection": "Screening and selecting a programme's applications at once.",
    "duplicates": "Likely duplicate people (same name across spellings and scripts, and the "
                  "same birth date or phone), for officers to dismiss, merge or unmerge.",
    "institutions": "Partner institutions and the candidates they nominate.",
    "partnerships": "A programme's consortium of institutions and their agreements.",
    "esco": "Suggestions of skills and occupations from the ESCO classification (© European "
            "Union, CC BY 4.0), in English, French and Arabic.",
    "training": "Pre-departure training modules, enrolments, sessions and attendance.",
    "notices": "Reminders and notices sent to people (follow-ups, visa decisions, starts, "
               "training): each programme's schedule, each person's language, channel and "
               "stopped kinds, and their notices.",
    "matching": "Matching runs that propose candidates for vacancies, and the candidates' "
                "matching profiles.",
    "employers": "Host employers.",
    "vacancies": "Employers' vacancies, opened, closed and reopened.",
    "placements": "Placements of candidates with employers, from acceptance through the visa "
                  "and the stay to its end.",
    "monitoring": "Following a placement: mentors, check-ins, alerts and its evaluation.",
    "credentials": "Proof of skills: the returnee's W3C Verifiable Credential of their stay, "
                   "its revocation, and its verification by anyone (no token), with the "
                   "issuer's keys and status lists.",
    "grievances": "A placed worker's complaints about their placement, escalated from the "
                  "employer to the programme to the ministry's statistics when unresolved.",
    "recruitment costs": "What placed workers' recruitment cost them and others (the ILO "
                         "categories), their earnings at destination, and SDG indicator "
                         "10.7.1.",
    "exchange rates": "The exchange rates a programme supplies to put costs and earnings in "
                      "one currency.",
    "returnee cases": "Reintegration cases of people back from a placement.",
    "follow-ups": "Follow-up surveys of returnees and their answers.",
    "follow-up schedules": "When each programme follows up its returnees.",
    "support measures": "Reintegration support given to returnees.",
    "indicators": "A programme's reintegration indicators, also as CSV.",
    "retention": "Erasures made because their retention period ended.",
    "webhooks": "Subscriptions to each service's events, delivered signed to a partner's URL.",
    "labels": "Display names of each service's statuses and other codes, in the caller's "
              "language.",
    "access record": "Who read, changed or exported a person's data, and the record's proof "
                     "that nothing was altered.",
    "health": "Liveness and readiness of the gateway, for orchestrators.",
}
