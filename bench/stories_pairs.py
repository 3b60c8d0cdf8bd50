"""Test pairs for "same story" (``python -m bench.stories``), all invented for this bench: six news stories,
each with a hand-written light rewrite, a different event on the same topic with the same actors and places,
and a follow-up days later that reuses the story's background paragraph, as wire services do. Copies with
other furniture, reordered paragraphs, an added standfirst with a trimmed ending, and a changed headline are
derived from each story by :func:`pairs`.

A pair is ``(label, kind, text_a, text_b)``; ``label`` is True when both texts tell the same story.
"""

from __future__ import annotations

from dataclasses import dataclass

Pair = tuple[bool, str, str, str]


@dataclass(frozen=True)
class Story:
    name: str
    dateline: str
    paragraphs: tuple[str, ...]
    rewrite: str
    other_event: str
    follow_up: str


STORIES = (
    Story(
        name="refinery",
        dateline="BAIJI, Iraq",
        paragraphs=(
            "A fire broke out at the northern section of the Baiji refinery early on Tuesday, forcing workers to "
            "shut two processing units and evacuate the site, the oil ministry said.",
            "Civil defence teams brought the blaze under control after four hours, a ministry spokesman told "
            "reporters, adding that three workers were treated for smoke inhalation at a hospital in Tikrit.",
            "The cause of the fire was not immediately clear. An engineer at the plant, who asked not to be named, "
            "said a pipeline carrying crude to the distillation unit had been leaking since last week.",
            "Baiji, once the country's largest refinery, was badly damaged during the fight against Islamic State "
            "and has only partly resumed production since it was retaken by government forces in 2015.",
            "The ministry said fuel supplies to Salahuddin and Nineveh provinces would not be affected because "
            "stocks held at depots in Kirkuk would cover demand for at least two weeks.",
        ),
        rewrite=(
            "Workers at the Baiji refinery were evacuated on Tuesday morning after a fire tore through the northern "
            "section of the plant and forced two processing units to shut, according to the oil ministry.\n\n"
            "Civil defence teams brought the blaze under control after four hours, a ministry spokesman said, and "
            "three workers were treated for smoke inhalation at a hospital in Tikrit.\n\n"
            "It was not immediately clear what caused the fire. An engineer at the plant, speaking on condition of "
            "anonymity, said a pipeline carrying crude to the distillation unit had been leaking since last week.\n\n"
            "Baiji, once the country's largest refinery, was badly damaged during the fight against Islamic State "
            "and has only partly resumed production since it was retaken by government forces in 2015."
        ),
        other_event=(
            "The oil ministry said on Sunday that the Baiji refinery had raised its output to 150,000 barrels per "
            "day after engineers completed repairs to a third processing unit in the northern section.\n\n"
            "A ministry spokesman told reporters that the refinery would supply gasoline to Salahuddin and Nineveh "
            "provinces, easing shortages that have driven up prices in Tikrit and Mosul this winter.\n\n"
            "Engineers at the plant have been rebuilding the distillation units with parts imported from South "
            "Korea, the spokesman said, and a fourth unit is due to come back online by the summer.\n\n"
            "Workers said the pace of repairs had picked up since the ministry cleared a backlog of unpaid "
            "contractors in the autumn, although power cuts still halt work several times a week."
        ),
        follow_up=(
            "Iraq's oil ministry on Friday blamed corroded pipes for the fire that shut two units at the Baiji "
            "refinery this week and said it had suspended the plant's maintenance manager pending an inquiry.\n\n"
            "A committee formed after the blaze found that a leaking crude line had been reported to managers eight "
            "days before the fire but no repair crew was sent, the ministry said in a statement.\n\n"
            "Baiji, once the country's largest refinery, was badly damaged during the fight against Islamic State "
            "and has only partly resumed production since it was retaken by government forces in 2015.\n\n"
            "The two units are expected to restart next month once the damaged section of pipeline is replaced, "
            "the statement said, and no fuel shortages have been reported in the northern provinces."
        ),
    ),
    Story(
        name="drone",
        dateline="ERBIL, Iraq",
        paragraphs=(
            "Two drones targeted a base hosting US-led coalition troops near Erbil airport late on Saturday, "
            "causing no casualties, the Kurdistan region's counter-terrorism service said in a statement.",
            "One drone was shot down by air defences before reaching the base while the second crashed in an empty "
            "field near the perimeter fence, the statement said, without saying where the drones were launched.",
            "No group immediately claimed responsibility. Iran-aligned armed factions have claimed dozens of "
            "attacks on bases hosting American forces in Iraq and Syria over the past year.",
            "The coalition, which Washington says has about 2,500 troops in Iraq in an advisory role, said it was "
            "aware of the reports and was assessing the damage to equipment at the site.",
            "Flights at Erbil airport were briefly suspended and resumed after about two hours, an airport "
            "official said, adding that three inbound planes were diverted to Sulaimaniyah.",
        ),
        rewrite=(
            "Air defences shot down one of two drones that attacked a base used by US-led coalition troops near "
            "Erbil airport on Saturday night, the Kurdistan region's counter-terrorism service said, reporting no "
            "casualties.\n\n"
            "The second drone crashed in an empty field near the perimeter fence, the statement said, without "
            "saying where the drones were launched.\n\n"
            "No group immediately claimed responsibility. Iran-aligned armed factions have claimed dozens of "
            "attacks on bases hosting American forces in Iraq and Syria over the past year.\n\n"
            "Flights at Erbil airport were suspended for about two hours, an airport official said, and three "
            "inbound planes were diverted to Sulaimaniyah."
        ),
        other_event=(
            "A rocket landed near a base hosting US-led coalition troops at Erbil airport on Wednesday afternoon, "
            "wounding two contractors, the Kurdistan region's counter-terrorism service said.\n\n"
            "The rocket was fired from a village in Nineveh province, about 40 km west of Erbil, the service said, "
            "and security forces found the launcher abandoned in a truck on a farm road.\n\n"
            "The coalition said the two contractors, both foreign nationals, were in stable condition and that "
            "the attack had caused minor damage to a storage building inside the base.\n\n"
            "Kurdish officials called on the federal government in Baghdad to rein in armed factions they accuse "
            "of staging the attacks from areas outside the control of the regional government."
        ),
        follow_up=(
            "Kurdish security forces said on Thursday they had arrested three men suspected of launching the drones "
            "that targeted a coalition base near Erbil airport last weekend.\n\n"
            "The suspects were detained at a checkpoint on the road to Makhmour with parts of a launching rail in "
            "their car, the counter-terrorism service said, naming none of them.\n\n"
            "No group immediately claimed responsibility. Iran-aligned armed factions have claimed dozens of "
            "attacks on bases hosting American forces in Iraq and Syria over the past year.\n\n"
            "The service said the men had confessed to receiving the drones from a faction based in Nineveh "
            "province, a claim that could not be independently verified."
        ),
    ),
    Story(
        name="budget",
        dateline="BAGHDAD",
        paragraphs=(
            "Iraq's parliament approved the 2027 federal budget on Thursday after weeks of wrangling between "
            "Baghdad and the Kurdistan regional government over oil revenue and public sector salaries.",
            "Lawmakers passed the bill worth 198 trillion dinars in a late-night session attended by 221 of the "
            "assembly's 329 members, the speaker's office said in a statement.",
            "Under the deal the Kurdistan region will hand its oil output to the state marketing company SOMO in "
            "exchange for a fixed share of the budget to pay its civil servants each month.",
            "Finance ministry officials said the budget assumes an oil price of 70 dollars a barrel and a deficit "
            "of about 64 trillion dinars, to be covered by domestic borrowing and bonds.",
            "Economists have warned that the salary bill, which has tripled in a decade, leaves little room for "
            "investment in power stations, schools and water projects that Iraqis have long demanded.",
        ),
        rewrite=(
            "The Iraqi parliament passed the 2027 federal budget late on Thursday, ending weeks of wrangling "
            "between Baghdad and the Kurdistan regional government over oil revenue and public sector salaries.\n\n"
            "Lawmakers passed the bill worth 198 trillion dinars in a session attended by 221 of the assembly's 329 "
            "members, the speaker's office said.\n\n"
            "Under the deal the Kurdistan region will hand its oil output to the state marketing company SOMO in "
            "exchange for a fixed share of the budget to pay its civil servants each month.\n\n"
            "Economists have warned that the salary bill, which has tripled in a decade, leaves little room for "
            "investment in power stations, schools and water projects.\n\n"
            "The budget assumes an oil price of 70 dollars a barrel and a deficit of about 64 trillion dinars, "
            "finance ministry officials said."
        ),
        other_event=(
            "Civil servants in the Kurdistan region have not been paid for two months because Baghdad has withheld "
            "transfers under the 2027 federal budget, the regional government said on Monday.\n\n"
            "The finance ministry in Baghdad said the region had delivered less oil to the state marketing company "
            "SOMO than the budget requires and that payments would resume once the shortfall was settled.\n\n"
            "Teachers in Sulaimaniyah and Halabja went on strike in protest, closing hundreds of schools, and "
            "hundreds of employees rallied outside government offices in Erbil.\n\n"
            "The dispute over oil revenue and public sector salaries has soured relations between Baghdad and the "
            "Kurdistan regional government for more than a decade."
        ),
        follow_up=(
            "Iraq's president signed the 2027 federal budget into law on Sunday, three days after parliament "
            "approved it, clearing the way for the finance ministry to release salaries and investment funds.\n\n"
            "Under the deal the Kurdistan region will hand its oil output to the state marketing company SOMO in "
            "exchange for a fixed share of the budget to pay its civil servants each month.\n\n"
            "The finance minister told state television the first transfer to the region would be made within a "
            "week and that delayed payments to contractors would be settled before the end of the quarter.\n\n"
            "Opposition lawmakers said they would challenge parts of the law at the federal supreme court, arguing "
            "that several spending items were added after the final vote."
        ),
    ),
    Story(
        name="floods",
        dateline="BASRA, Iraq",
        paragraphs=(
            "Flash floods after two days of heavy rain killed at least seven people in Basra province and cut off "
            "dozens of villages north of the city, local health officials said on Monday.",
            "Rescue teams used boats to reach families stranded on rooftops in the districts of Qurna and Al-Dair, "
            "where water levels rose more than a metre overnight, the civil defence directorate said.",
            "The governor declared a state of emergency, closed schools for three days and asked the federal "
            "government to send tents, food and water pumps to the worst-hit areas.",
            "Iraq has suffered years of drought, and experts say the hardened, dry soil and poorly maintained "
            "drainage canals make sudden downpours far more destructive than they used to be.",
            "The meteorological office forecast more rain for the south of the country on Wednesday and urged "
            "residents living near riverbanks to move to higher ground until the weekend.",
        ),
        rewrite=(
            "At least seven people were killed and dozens of villages north of Basra were cut off by flash floods "
            "after two days of heavy rain, local health officials said on Monday.\n\n"
            "Rescue teams used boats to reach families stranded on rooftops in Qurna and Al-Dair, where the water "
            "rose more than a metre overnight, according to the civil defence directorate.\n\n"
            "The governor declared a state of emergency, closed schools for three days and asked the federal "
            "government to send tents, food and water pumps to the worst-hit areas.\n\n"
            "Iraq has suffered years of drought, and experts say the hardened, dry soil and poorly maintained "
            "drainage canals make sudden downpours far more destructive than they used to be."
        ),
        other_event=(
            "Farmers in Basra province say salt water pushing up the Shatt al-Arab has ruined their date palms and "
            "forced hundreds of families to leave villages north of the city this summer.\n\n"
            "The governor said the province needed emergency funds from the federal government to build a barrier "
            "against the sea water and to truck drinking water to the worst-hit districts of Qurna and Al-Dair.\n\n"
            "Iraq has suffered years of drought, and the flow of the Tigris and Euphrates has fallen sharply as "
            "upstream dams in Turkey and Iran hold back water.\n\n"
            "Health officials reported a rise in skin and stomach illnesses among children, which they blamed on "
            "the salty water now flowing from taps across the south of the province."
        ),
        follow_up=(
            "The death toll from last week's flash floods in Basra province rose to eleven on Saturday after rescue "
            "teams recovered four more bodies from a canal near Qurna, the civil defence directorate said.\n\n"
            "Thousands of families remain in tents provided by the federal government, and schools in the affected "
            "districts will stay closed until at least the end of the month, the governor said.\n\n"
            "Iraq has suffered years of drought, and experts say the hardened, dry soil and poorly maintained "
            "drainage canals make sudden downpours far more destructive than they used to be.\n\n"
            "The provincial council voted to spend five billion dinars on clearing drainage canals before the next "
            "rainy season and asked the water ministry to inspect the earth banks of the Shatt al-Arab."
        ),
    ),
    Story(
        name="election",
        dateline="BAGHDAD",
        paragraphs=(
            "Iraq's electoral commission said on Wednesday that turnout in Sunday's provincial elections reached 41 "
            "percent, higher than in the last vote, and announced preliminary results for eleven provinces.",
            "The coalition led by the prime minister won the largest number of seats in Baghdad, while parties "
            "allied with Iran-backed factions came first in Basra and several southern provinces.",
            "Commission chief Omar Ahmed told a news conference that final results would be certified once appeals "
            "were examined, a process he said would take about two weeks.",
            "Observers from the United Nations mission said voting was largely orderly but noted reports of vote "
            "buying and of security forces pressuring voters in some districts.",
            "The new provincial councils will choose governors and control local budgets, a role restored in 2023 "
            "after the councils were suspended following the mass protests of 2019.",
        ),
        rewrite=(
            "Turnout in Iraq's provincial elections on Sunday reached 41 percent, higher than in the last vote, the "
            "electoral commission said on Wednesday as it announced preliminary results for eleven provinces.\n\n"
            "The prime minister's coalition won the largest number of seats in Baghdad, while parties allied with "
            "Iran-backed factions came first in Basra and several southern provinces.\n\n"
            "Observers from the United Nations mission said voting was largely orderly but noted reports of vote "
            "buying and of security forces pressuring voters in some districts.\n\n"
            "Commission chief Omar Ahmed told a news conference that final results would be certified once appeals "
            "were examined, which he said would take about two weeks."
        ),
        other_event=(
            "Iraq's electoral commission on Monday disqualified 47 candidates from next year's parliamentary "
            "elections over alleged links to the banned Baath party, including two sitting lawmakers.\n\n"
            "Commission chief Omar Ahmed told a news conference that the candidates could appeal to a judicial "
            "panel within ten days and that ballots would be printed only after the appeals were decided.\n\n"
            "The coalition led by the prime minister said none of its candidates were affected, while a Sunni party "
            "in Anbar said the decision targeted its list and threatened to boycott the vote.\n\n"
            "Observers from the United Nations mission urged the commission to publish the evidence behind the "
            "decisions to preserve confidence in the process."
        ),
        follow_up=(
            "Iraq's electoral commission certified the final results of the provincial elections on Tuesday after "
            "rejecting most of the 312 appeals filed by parties and candidates.\n\n"
            "The final count changed the outcome in only two districts, commission chief Omar Ahmed said, both in "
            "Diyala province, where a recount moved one seat from an independent to a Kurdish party.\n\n"
            "The new provincial councils will choose governors and control local budgets, a role restored in 2023 "
            "after the councils were suspended following the mass protests of 2019.\n\n"
            "Councils are expected to hold their first sessions within fifteen days, and negotiations over "
            "governor posts in Baghdad and Basra have already begun."
        ),
    ),
    Story(
        name="border",
        dateline="ZAKHO, Iraq",
        paragraphs=(
            "Turkish warplanes struck suspected positions of the Kurdistan Workers Party in the mountains near "
            "Zakho on Friday, killing two shepherds, the mayor of a nearby sub-district said.",
            "The strikes hit the slopes above the village of Sharanish, where families graze sheep in summer, the "
            "mayor said, adding that a third man was wounded and taken to hospital in Duhok.",
            "Turkey's defence ministry said its jets had destroyed caves and shelters used by PKK militants "
            "preparing attacks on Turkish territory, and that every precaution was taken to avoid civilians.",
            "Ankara has set up dozens of military outposts inside the Kurdistan region in recent years as part of "
            "its campaign against the PKK, which has waged an insurgency against the Turkish state since 1984.",
            "Iraq's foreign ministry condemned the strikes as a violation of its sovereignty and said it would "
            "summon the Turkish ambassador in Baghdad to deliver a protest note.",
        ),
        rewrite=(
            "Two shepherds were killed on Friday when Turkish warplanes struck suspected Kurdistan Workers Party "
            "positions in the mountains near Zakho, the mayor of a nearby sub-district said.\n\n"
            "The strikes hit the slopes above the village of Sharanish, where families graze sheep in summer, he "
            "said, and a third man was wounded and taken to hospital in Duhok.\n\n"
            "Turkey's defence ministry said its jets had destroyed caves and shelters used by PKK militants "
            "preparing attacks on Turkish territory, and that it took every precaution to avoid civilians.\n\n"
            "Iraq's foreign ministry condemned the strikes as a violation of its sovereignty and said it would "
            "summon the Turkish ambassador in Baghdad."
        ),
        other_event=(
            "Turkish troops and PKK militants clashed for several hours near the village of Sharanish outside "
            "Zakho on Tuesday, and residents said artillery shells set fire to orchards on the slopes.\n\n"
            "Turkey's defence ministry said four militants were killed in the fighting and one Turkish soldier was "
            "wounded, while the PKK said in a statement that it had repelled an attempt to seize a ridge.\n\n"
            "The mayor of the sub-district said dozens of families had fled to Duhok and asked the regional "
            "government to compensate farmers whose crops were destroyed.\n\n"
            "Ankara has set up dozens of military outposts inside the Kurdistan region in recent years as part of "
            "its campaign against the PKK, which has waged an insurgency against the Turkish state since 1984."
        ),
        follow_up=(
            "Hundreds of people marched in Duhok on Sunday to mourn the two shepherds killed in a Turkish air strike "
            "near Zakho last week and to demand an end to cross-border military operations.\n\n"
            "Relatives of the men said they had been grazing sheep on the slopes above Sharanish as their families "
            "have done for generations, and that no militants were in the area.\n\n"
            "Ankara has set up dozens of military outposts inside the Kurdistan region in recent years as part of "
            "its campaign against the PKK, which has waged an insurgency against the Turkish state since 1984.\n\n"
            "The Turkish ambassador met officials at the Iraqi foreign ministry on Saturday, a ministry statement "
            "said, without giving details of the discussion."
        ),
    ),
)

#: stories on one topic (the same actors, places or institutions), compared with each other as hard negatives
SAME_TOPIC = (("refinery", "budget"), ("drone", "border"), ("election", "budget"), ("floods", "refinery"))

STANDFIRST = "Officials say the situation is under control; an investigation has been opened."


def text(story: Story) -> str:
    return "\n\n".join(story.paragraphs)


def furnished(story: Story, outlet: str) -> str:
    """A wire copy as another outlet prints it: its own dateline, credit and links around the same prose."""
    first, *rest = story.paragraphs
    lines = [
        f"By {outlet} staff",
        f"{story.dateline} ({outlet}) - {first}",
        *rest,
        "Read more: latest news from Iraq",
        f"Reporting by {outlet} correspondents; editing by the news desk",
    ]
    return "\n\n".join(lines)


def reordered(story: Story) -> str:
    paragraphs = list(story.paragraphs)
    paragraphs[1], paragraphs[2] = paragraphs[2], paragraphs[1]
    paragraphs[3], paragraphs[4] = paragraphs[4], paragraphs[3]
    return "\n\n".join(paragraphs)


def standfirst_trimmed(story: Story) -> str:
    """An added standfirst, the ending trimmed by two paragraphs (a shorter web edition)."""
    return "\n\n".join([STANDFIRST, *story.paragraphs[:3]])


def pairs() -> list[Pair]:
    by_name = {story.name: story for story in STORIES}
    result: list[Pair] = []
    for story in STORIES:
        original = text(story)
        result += [
            (True, "wire copy, other furniture", original, furnished(story, "Northwire")),
            (True, "two outlets' copies", furnished(story, "Levant Ledger"), furnished(story, "Tigris Post")),
            (True, "reordered paragraphs", original, reordered(story)),
            (True, "standfirst added, ending trimmed", original, standfirst_trimmed(story)),
            (True, "light rewrite", original, story.rewrite),
            (False, "different event, same actors", original, story.other_event),
            (False, "follow-up days later", original, story.follow_up),
        ]
    for a, b in SAME_TOPIC:
        result.append((False, "another story, same topic", text(by_name[a]), text(by_name[b])))
    return result
