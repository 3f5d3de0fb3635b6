"""Calibration of the ``low_support`` threshold on the seed reports (see ``support.py``).

Each entry is (seed file prefix, evidence, English claim); the evidence is given as verbatim
snippets of the source sentences (not sentence numbers, which change when sentence
splitting does). Claims with evidence are faithful English renderings of those sentences of
the real seed report, written the way a briefing words them (some summarise several
sentences); claims without are invented: plausible for the same report, stated nowhere in it.

``calibrate(seeds_dir)`` measures, with the same embeddings the checks use:

- ``faithful``: each faithful claim's best similarity to its own sentences;
- ``invented``: each invented claim's best similarity to any sentence of its report;
- ``wrong_citation``: each faithful claim against a random sentence of another topic
  of the same report (a fixed seed), as a model citing the wrong sentence would;

and proposes a threshold: the midpoint between the 95th percentile of ``invented`` and the
5th percentile of ``faithful``. Run ``python -m summarizer.checks.calibration [SEEDS_DIR]``.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLAIMS: list[tuple[str, list[str], str]] = [
    # ---- 000
    ('000', ['泸溪融媒1月9日讯1'],
     'On January 8, County Head Xiang Henglin chaired the 87th executive meeting of the county '
     'government, hearing reports on work safety, epidemic control during the Spring Festival, the tea '
     "industry, livelihood projects voted on by People's Congress deputies and Spring Festival visits."),
    ('000', ['会议指出,安全生产事'],
     "The meeting said work safety concerns the safety of people's lives and property and the overall "
     'economic and social development.'),
    ('000', ['要严格按照全州安全生'],
     'A comprehensive campaign will clean up abandoned factories, industrial parks, sand and gravel '
     'plants and mining areas and investigate safety hazards to prevent major accidents.'),
    ('000', ['要加大督查问责力度,'],
     'Units and individuals that fail to carry out work safety duties during the Spring Festival will '
     'be held strictly accountable.'),
    ('000', ['要坚持人、物同防,进'],
     'Monitoring of people returning from abroad and from medium- and high-risk areas, and of the '
     'cold-chain food industry, will be stepped up to ensure full coverage.'),
    ('000', ['要加快推进重点人群新'],
     'Emergency COVID-19 vaccination of key groups must be completed before the Lunar New Year.'),
    ('000', ['各乡镇要切实履行属地'],
     'Townships must fulfil their territorial responsibility for epidemic prevention and improve their '
     'emergency response capacity.'),
    ('000', ['要充分利用我县气候环'],
     'The county will speed up drawing up a development plan for the tea industry, linking it with '
     'poverty-alleviation gains, rural revitalization and eco-cultural tourism.'),
    ('000', ['要进一步落实产业相关'],
     'Support will focus on new tea plantation bases, upgrading low-yield old tea gardens, and tea '
     'processing machinery and standardized plant buildings.'),
    ('000', ['要树立品牌意识,按照'],
     'The county will build a regional public brand for Luxi organic tea.'),
    ('000', ['要进一步加大对票决产'],
     'Units responsible for voted livelihood projects that make slow progress will be held '
     'accountable.'),
    ('000', ['要严格按送温暖资金管'],
     'Funds for the Spring Festival visits must be paid out lawfully, openly and without duplication, '
     'with the audit and finance departments supervising.'),
    ('000', ['县政府在家县级领导出'],
     'Zhou Dan, a fourth-level researcher of the county government, attended the meeting.'),
    ('000', ['会议强调,当前,全球', '全县各级各部门要充分认识抓好'],
     'The meeting stressed that epidemic control over the Spring Festival remains severe as the global '
     'epidemic keeps rising and sporadic cases still appear in China.'),
    ('000', ['要进一步加强疫情防控'],
     'Step up the allocation of epidemic-prevention supplies according to the stock of medical '
     'facilities and goods.'),
    ('000', ['会议指出,加快茶叶产', '全县各级各部门要高度', '要充分利用我县气候环', '要树立品牌意识,按照'],
     'The meeting called the tea industry a key to consolidating poverty-alleviation gains and rural '
     'revitalization, asking for a development plan, more support and a Luxi tea brand.'),
    ('000', [],
     'The meeting approved a plan to build a new county hospital with 500 beds by the end of the year.'),
    ('000', [],
     'The county will host an international tea expo in October to attract foreign buyers.'),
    ('000', [],
     "Xiang Henglin announced that the county's GDP grew by 8 percent last year."),
    ('000', [],
     'The meeting decided to relocate the county government offices to a new administrative center.'),
    ('000', [],
     'Schools will close two weeks early for the winter holiday because of flooding.'),
    # ---- 001
    ('001', ['5月11日,縣委副書'],
     'On May 11, County Head Liu Rui chaired the 26th executive meeting of the county government.'),
    ('001', ['會議傳達學習了上級近'],
     'The meeting reviewed 23 work-safety standard guidelines for urban gas and other fields and '
     'studied the 2024 livelihood projects, fiscal spending and work safety.'),
    ('001', ['縣領導楊道剛、王子寧'],
     'County leaders Yang Daogang, Wang Zining, Yuan Jibin and Wang Xiangqing attended the meeting.'),
    ('001', ['要以科技創新引領產業'],
     'Industrial innovation should be led by scientific and technological innovation to cultivate new '
     'quality productive forces.'),
    ('001', ['要協同推進生態環境保'],
     'The county will combine ecological protection with green, low-carbon development to build a '
     'beautiful Puyang County.'),
    ('001', ['會議傳達了省紀委關于'],
     "The meeting relayed the provincial discipline commission's notice on long-standing false "
     'statistical data in parts of the province.'),
    ('001', ['各相關部門要主動全面'],
     'Relevant departments must review their statistical work and carry out item-by-item '
     'self-inspections.'),
    ('001', ['會議還強調,各級各部'],
     'Departments must focus on road traffic, gas, fire safety, confined spaces and hazardous '
     'chemicals and carry out thorough inspections.'),
    ('001', ['同時企業要主動擔負起'],
     'Enterprises must take primary responsibility for work safety and strengthen employee safety '
     'training.'),
    ('001', ['會議聽取了縣財政局負'],
     "The meeting heard the county finance bureau's report on key fiscal spending in April and the "
     'spending plan for May.'),
    ('001', ['會議指出,各級各部門'],
     'All departments must keep living on a tight budget and put an end to extravagance and waste.'),
    ('001', ['各部門要加強溝通協作'],
     'Departments should strengthen coordination and promptly resolve difficulties and bottlenecks.'),
    ('001', ['會議聽取了我縣城鎮燃', '會議指出,《標準導則', '各鄉鎮(辦)、各相關'],
     'The meeting heard how the 23 work-safety standard guidelines were drafted and asked townships '
     'and departments to study and apply them.'),
    ('001', [],
     'The meeting approved a new high-speed railway station in Puyang with an investment of 2 billion '
     'yuan.'),
    ('001', [],
     "Liu Rui called for more foreign direct investment in the county's tourism sector."),
    ('001', [],
     'The county will recruit 300 new teachers for rural schools this autumn.'),
    ('001', [],
     "The meeting reviewed the county's flood-control preparations for the rainy season."),
    ('001', [],
     'Officials discussed plans for a new football stadium and a sports festival.'),
    # ---- 002
    ('002', ['3月24日，县委书记'],
     'On March 24, County Party Secretary Zhan Mingxiu chaired a county conference by video link on '
     'winning the fight against poverty, agriculture and rural affairs and the county economy.'),
    ('002', ['要一户一户研究确定巩'],
     'Consolidation plans must be worked out household by household so that poor households can '
     'increase their incomes steadily.'),
    ('002', ['要建立建全防止返贫致'],
     'A mechanism to prevent people from falling back into poverty must be set up, with targeted help '
     'for monitored and marginal households.'),
    ('002', ['宣传部要发挥好“喉舌'],
     'The publicity department should use newspapers, television, radio and the internet to tell '
     "Jixian's poverty-alleviation stories."),
    ('002', ['要持续保障下沉力量，'],
     'Village work teams and first secretaries should join the front line of poverty alleviation as '
     'soon as possible.'),
    ('002', ['要支持养殖场户加快补'],
     'Livestock farms should be helped to restock and expand production so that poultry meat output '
     'keeps rising this year.'),
    ('002', ['要紧盯疫情带来新的经'],
     'Returning young people and unemployed women will be encouraged to start e-commerce businesses.'),
    ('002', ['战明秀要求，各乡镇、各有'],
     'Townships and land-holding units must organise the removal of straw from the fields, leaving no '
     'window period.'),
    ('002', ['要抓好百大项目建设，'],
     'The county will press ahead with its hundred major projects.'),
    ('002', ['要深入推进“最多跑一'],
     "The county will deepen the 'at most one trip' reform and speed up 'Internet plus government "
     "services'."),
    ('002', ['县委副书记、县长郭伟'],
     "County Head Guo Wei attended the meeting and arranged the county's key work for the near term."),
    ('002', ['会上，县扶贫办、农业'],
     'Heads of the poverty alleviation office, the agriculture and rural affairs bureau and other '
     'bureaus spoke in turn.'),
    ('002', ['关于三农工作，战明秀', '要紧盯稳产保供、补齐', '要以农业供给侧结构性'],
     'On agriculture and rural affairs, Zhan Mingxiu called for stable production and supply, higher '
     'farm incomes and a better planting structure for the three main grain crops.'),
    ('002', [],
     'The county will build a new airport to boost tourism and trade with Russia.'),
    ('002', [],
     "Zhan Mingxiu said 5,000 new jobs were created in the county's mining industry last year."),
    ('002', [],
     'The meeting approved a ban on private cars in the county seat at weekends.'),
    ('002', [],
     'A new university campus will open in the county next September.'),
    ('002', [],
     'Farmers will receive a subsidy of 200 yuan per mu for planting soybeans.'),
    # ---- 003
    ('003', ['2021年2月25日'],
     'On February 25, 2021, District Head Chen Jiang chaired the 79th executive meeting of the fifth '
     'district government.'),
    ('003', ['四是李顺朝副区长牵区'],
     'Deputy District Head Li Shunchao will lead the district poverty alleviation office and the '
     'townships in monitoring the poverty-prevention early-warning mechanism, reporting monthly.'),
    ('003', ['五是颜静副区长牵区人'],
     'Deputy District Head Yan Jing will lead the human resources and social security bureau and the '
     'townships in surveying labor transfer employment, reporting monthly.'),
    ('003', ['二是请赵国明副区长牵'],
     'Deputy District Head Zhao Guoming will lead in setting up inspection work systems covering '
     'assignment, review, follow-up visits, briefings and use of results.'),
    ('003', ['三是请区政府督查室根'],
     'The district government inspection office will draw up the 2021 government inspection '
     'priorities, plan and list.'),
    ('003', ['会议强调,各项督查检'],
     'Inspection results are to be used in the year-end comprehensive target assessment.'),
    ('003', ['会议要求,区发展改革'],
     'The District Development and Reform Bureau must break down the Opinions by March 10, naming a '
     'responsible leader, unit and person for each measure.'),
    ('003', ['围绕“宜居、特色、智'],
     'The district will speed up 25 key tasks and 28 key projects for the beautiful county seat.'),
    ('003', ['会议要求,一是东川区'],
     'The 14 sub-headquarters of the rural revitalization headquarters will be consolidated into 10.'),
    ('003', ['二是东川区实施乡村振'],
     'Deputy Secretary Huang Jie will head the rural planning sub-headquarters, with Deputy District '
     'Head Huang Dalong as deputy head and its office at the district natural resources bureau.'),
    ('003', ['会议原则同意《关于成'],
     'The meeting approved in principle the notice on setting up the rural revitalization '
     'headquarters; the agriculture and rural affairs bureau will revise it and submit it for review.'),
    ('003', ['要认真研究、用足用好'],
     'The district will use the five-year transition period and in 2021 focus on rural revitalization '
     'demonstration zones and 10 district-level demonstration sites.'),
    ('003', ['二是要继续盘活“资源'],
     'Village collective industries will be expanded through land transfer, new land management models '
     'and shares in leading enterprises and cooperatives.'),
    ('003', ['会议要求,一是全面推', '二是全面建设“美丽县', '三是全面提升生态文明', '深入推进生态环保整治'],
     'The meeting called for fully promoting rural revitalization, building a beautiful county seat '
     'and improving ecological conservation, completing all environmental rectification tasks in 2021.'),
    ('003', [],
     'The meeting approved a new high-speed railway line to Kunming with a budget of 3 billion yuan.'),
    ('003', [],
     'The district will build five new hospitals and hire 200 doctors next year.'),
    ('003', [],
     'Chen Jiang ordered all mines in the district to close for safety inspections.'),
    ('003', [],
     'The district will hold a tourism festival at Baihetan in May.'),
    ('003', [],
     'Farmers who plant walnuts will get free seedlings from the forestry bureau.'),
    # ---- 004
    ('004', ['2月28日，山阳县召'],
     'On February 28, Shanyang County held a video conference on poverty alleviation and agricultural '
     'and rural work, arranging epidemic prevention, poverty alleviation and rural work.'),
    ('004', ['县委常委、常务副县长'],
     'Cao Yanping, member of the county Party standing committee and executive deputy county head, '
     'chaired the meeting.'),
    ('004', ['张国瑜指出，山阳与湖'],
     'Zhang Guoyu noted that Shanyang borders Hubei, which makes preventing imported cases harder.'),
    ('004', ['要全力保障防疫物资供'],
     'Supplies of epidemic-prevention materials must be guaranteed, giving priority to medical staff '
     'and front-line workers and ensuring the supply of masks.'),
    ('004', ['他强调，要在做好疫情'],
     'County leaders in charge of enterprises and projects must regularly visit firms and construction '
     'sites to solve problems as work and production resume.'),
    ('004', ['他要求，要全面彻底消'],
     'Absolute poverty must be eliminated so that all of the remaining poor population is lifted out '
     'of poverty.'),
    ('004', ['大办社区工厂，促进贫'],
     'Community factories will be set up so that poor people can find jobs close to home.'),
    ('004', ['要持续巩固提升脱贫成'],
     "The 'four no-removals' requirement must be strictly applied, with continued support for "
     'households already out of poverty, especially monitored and marginal ones.'),
    ('004', ['张国瑜强调，要深入推'],
     "Around its '4+X' featured industries, the county will strengthen medicinal herbs, expand "
     'mushrooms, stabilize fruit and improve livestock.'),
    ('004', ['加快构建人才保障体系'],
     "The county will train leaders of poverty-alleviation industries under its 'ten, hundred, "
     "thousand' programme."),
    ('004', ['加快构建农村卫生体系'],
     'Rural living environments will be improved to build clean, tidy, beautiful and livable villages.'),
    ('004', ['加快构建基层治理体系'],
     'Grassroots governance will be strengthened and the special campaign against organized crime '
     'deepened.'),
    ('004', ['他要求，要毫不放松抓', '要把“外防输入”作为', '要全力保障防疫物资供', '要关心爱护医务人员和'],
     'Zhang Guoyu asked for unrelenting epidemic control focused on preventing imported cases, '
     'guaranteed supplies of protective materials and care for medical workers.'),
    ('004', [],
     "Zhang Guoyu announced that the county will build a new highway to Xi'an by 2022."),
    ('004', [],
     'The county will hand out 10,000 free masks to every household next week.'),
    ('004', [],
     'Shanyang will host a provincial mushroom trade fair in April.'),
    ('004', [],
     'The meeting approved a plan to merge three township hospitals.'),
    ('004', [],
     "Teachers' salaries will be raised by 15 percent from March."),
]


@dataclass
class Calibration:
    faithful: list[float]
    invented: list[float]
    wrong_citation: list[float]

    @property
    def proposed(self) -> float:
        return round(float(np.percentile(self.invented, 95) + np.percentile(self.faithful, 5)) / 2, 2)

    def rates(self, threshold: float) -> dict[str, float]:
        """Share of faithful claims flagged, and of invented / wrongly cited ones let through."""
        return {"faithful_flagged": float(np.mean(np.array(self.faithful) < threshold)),
                "invented_missed": float(np.mean(np.array(self.invented) >= threshold)),
                "wrong_citation_missed": float(np.mean(np.array(self.wrong_citation) >= threshold))}

    def report(self, threshold: float) -> str:
        def row(name: str, values: list[float]) -> str:
            v = np.array(values)
            return (f"{name:<15} n={len(v):<3} min={v.min():.3f} p5={np.percentile(v, 5):.3f} "
                    f"median={np.median(v):.3f} p95={np.percentile(v, 95):.3f} max={v.max():.3f}")

        r = self.rates(threshold)
        return "\n".join([
            row("faithful", self.faithful), row("invented", self.invented),
            row("wrong citation", self.wrong_citation),
            f"proposed threshold (midpoint of invented p95 and faithful p5): {self.proposed:.2f}",
            f"at {threshold:.2f}: faithful flagged {r['faithful_flagged']:.0%}, invented missed "
            f"{r['invented_missed']:.0%}, wrong citations missed {r['wrong_citation_missed']:.0%}",
        ])


def calibrate(seeds_dir: Path) -> Calibration:
    from ..facts import establish_facts
    from ..facts.structure import topics
    from ..ingest import read_report
    from .support import embed

    seeds = {p.name[:3]: p for p in Path(seeds_dir).glob("*.txt")}
    missing = sorted({prefix for prefix, _, _ in CLAIMS} - set(seeds))
    if missing:
        raise FileNotFoundError(f"seed reports {missing} not found in {seeds_dir}")
    rng = random.Random(0)
    faithful, invented, wrong = [], [], []
    for prefix in sorted({p for p, _, _ in CLAIMS}):
        doc = read_report(seeds[prefix])
        vectors = embed([s.simplified for s in doc.sentences])
        topic_of = {i: n for n, t in enumerate(topics(doc, establish_facts(doc))) for i in t.ids}
        mine = [(snippets, claim) for p, snippets, claim in CLAIMS if p == prefix]
        claims = embed([claim for _, claim in mine])
        for (snippets, _), c in zip(mine, claims):
            similarity = vectors @ c
            if not snippets:
                invented.append(float(similarity.max()))
                continue
            ids = []
            for snippet in snippets:
                found = [s.id for s in doc.sentences if snippet in s.text]
                if not found:
                    raise ValueError(f"seed {prefix}: no sentence contains {snippet!r}")
                ids += found
            faithful.append(float(max(similarity[i - 1] for i in ids)))
            own = {topic_of.get(i) for i in ids}
            others = [i for i in range(1, len(doc.sentences) + 1) if topic_of.get(i) not in own]
            wrong.append(float(similarity[rng.choice(others) - 1]))
    return Calibration(faithful, invented, wrong)


def main(argv: list[str]) -> None:
    from .support import LOW_SUPPORT

    seeds = Path(argv[0]) if argv else Path.cwd().parent / "shared" / "seeds"
    print(calibrate(seeds).report(LOW_SUPPORT))


if __name__ == "__main__":
    main(sys.argv[1:])
