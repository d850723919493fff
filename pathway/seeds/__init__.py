"""Seed files: the default content as reviewable YAML, loaded and exported losslessly.

Layout (see README):

    seeds/kb/*.yaml                     each file maps a kind (sources, roots, muscles, regions,
                                        reflexes, tests, conditions, treatments) to a list
    seeds/pathways/<slug>/pathway.yaml  the pathway's metadata, steps, tiers and levels
    seeds/pathways/<slug>/questions.yaml
    seeds/pathways/<slug>/rules.yaml
    seeds/pathways/<slug>/handout.yaml  what the patient handout prints, and when
    seeds/pathways/<slug>/cases.yaml    regression cases (answers and acceptable results)

One module per job: `schema` declares the files, `reader` reads them into the engine's
snapshot and kb entries and checks them, `writer` loads them into the database under the
version policy, `exporter` holds the canonical form and writes the database back as seeds.
"""
