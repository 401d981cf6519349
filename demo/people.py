"""Made-up people from small fixed lists: names, cities, languages, and the skills of each
sector.

Nothing here names a real person; the e-mail addresses are under ``example.org``. Lists are
fixed so that a seed always draws the same people.
"""

import random
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

MAGHREB_GIVEN_NAMES = {
    "female": ("Amina", "Salma", "Khadija", "Imane", "Yasmine", "Nour", "Meriem", "Hajar",
               "Sara", "Fatima Zahra", "Ines", "Rim", "Oumaima", "Asma", "Leila", "Siham",
               "Wiam", "Chaima", "Houda", "Nadia", "Samira", "Zineb", "Malak", "Ghita"),
    "male": ("Youssef", "Mehdi", "Omar", "Anas", "Hamza", "Ayoub", "Karim", "Rayan", "Amine",
             "Bilal", "Ilyes", "Walid", "Skander", "Aziz", "Achraf", "Zakaria", "Nabil",
             "Hatem", "Oussama", "Ismail", "Marouane", "Taha", "Fares", "Adam"),
}
MAGHREB_FAMILY_NAMES = ("Benali", "El Amrani", "Bennani", "Alaoui", "Tazi", "Chraibi", "Idrissi",
                "Berrada", "El Fassi", "Ouazzani", "Benjelloun", "Lahlou", "Trabelsi", "Ben Salah",
                "Jaziri", "Gharbi", "Hammami", "Bouazizi", "Mansouri", "Ayari", "Khelifi",
                "Sassi", "Mejri", "Chebbi", "Ziani", "Amrani", "Naciri", "Kettani")
NIGERIAN_GIVEN_NAMES = {
    "female": ("Adaeze", "Chiamaka", "Funmilayo", "Ngozi", "Aisha", "Temitope", "Ifeoma",
               "Yetunde", "Amarachi", "Zainab", "Folake", "Nneka", "Halima", "Bukola"),
    "male": ("Chinedu", "Emeka", "Tunde", "Ibrahim", "Babatunde", "Obinna", "Musa", "Segun",
             "Uche", "Adebayo", "Kelechi", "Olumide", "Yusuf", "Ikenna"),
}
NIGERIAN_FAMILY_NAMES = ("Okafor", "Adeyemi", "Balogun", "Eze", "Okonkwo", "Bello", "Abubakar",
                         "Nwosu", "Ogunleye", "Olawale", "Chukwu", "Danjuma", "Afolabi", "Obi")
SENEGALESE_GIVEN_NAMES = {
    "female": ("Awa", "Fatou", "Aminata", "Mariama", "Ndeye", "Khady", "Coumba", "Astou",
               "Aïssatou", "Bineta", "Rokhaya", "Dieynaba"),
    "male": ("Mamadou", "Moussa", "Cheikh", "Ousmane", "Abdoulaye", "Ibrahima", "Modou", "Pape",
             "Babacar", "Serigne", "Alioune", "Lamine"),
}
SENEGALESE_FAMILY_NAMES = ("Diop", "Ndiaye", "Fall", "Sow", "Diallo", "Faye", "Sarr", "Gueye",
                           "Ba", "Mbaye", "Sy", "Cissé", "Thiam", "Kane")
# Given names (by gender) and family names, by nationality.
NAMES: dict[str, tuple[Mapping[str, Sequence[str]], Sequence[str]]] = {
    "MA": (MAGHREB_GIVEN_NAMES, MAGHREB_FAMILY_NAMES),
    "TN": (MAGHREB_GIVEN_NAMES, MAGHREB_FAMILY_NAMES),
    "NG": (NIGERIAN_GIVEN_NAMES, NIGERIAN_FAMILY_NAMES),
    "SN": (SENEGALESE_GIVEN_NAMES, SENEGALESE_FAMILY_NAMES)}
CITIES = {"MA": ("Rabat", "Casablanca", "Fès", "Marrakech", "Tanger", "Agadir", "Oujda",
                 "Meknès", "Kénitra", "Tétouan"),
          "TN": ("Tunis", "Sfax", "Sousse", "Monastir", "Bizerte", "Gabès", "Nabeul", "Ariana"),
          "NG": ("Lagos", "Abuja", "Ibadan", "Enugu", "Port Harcourt", "Kano", "Benin City",
                 "Kaduna"),
          "SN": ("Dakar", "Thiès", "Saint-Louis", "Ziguinchor", "Kaolack", "Touba", "Mbour")}
# The languages people of each nationality speak besides the programme's own, whose level the
# applicant pool sets (demo.pool).
HOME_LANGUAGES = {"MA": {"ar": "C2", "fr": "B2", "en": "B1"},
                  "TN": {"ar": "C2", "fr": "B2", "en": "B1"},
                  "NG": {"en": "C2"},
                  "SN": {"wo": "C2", "fr": "C1", "en": "B1"}}
# Host companies' HR contacts.
CONTACT_NAMES = ("Claire Dubois", "Marco Rossi", "Julie Martin", "Giulia Bianchi",
                 "Thomas Leroy", "Els Peeters", "Sophie Bernard", "Luca Ferrari",
                 "Pieter Janssens", "Camille Petit")
# Mobile numbers: the prefix and eight more digits.
PHONE_PREFIX = {"MA": "+2126", "TN": "+2162", "NG": "+23480", "SN": "+2217"}

# Per sector: what every trainee of it knows (its vacancies require these) and extras that
# vacancies list as nice to have. A trainee of one sector holds none of another's required
# skills, so matching pairs each trainee with a vacancy of their own sector.
SECTOR_SKILLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ict": (("Python", "SQL"), ("Docker", "JavaScript", "Linux", "Java")),
    "electrical_engineering": (("circuit design", "PLC programming"), ("AutoCAD Electrical",
                                                                      "MATLAB")),
    "mechanical_engineering": (("SolidWorks", "mechanical drawing"), ("CNC machining",)),
    "civil_engineering": (("structural analysis", "AutoCAD"), ("BIM",)),
    "renewable_energy": (("photovoltaic systems", "energy auditing"), ("wind turbines",)),
    "agrifood": (("food safety HACCP", "quality control"), ("irrigation",)),
    "logistics": (("supply chain planning", "inventory management"), ("SAP",)),
    "tourism_hospitality": (("hotel operations", "customer service"), ("event planning",)),
    "healthcare": (("patient care", "medical records"), ("laboratory techniques",)),
    "finance": (("financial analysis", "accounting"), ("Excel modelling",)),
    "marketing": (("digital marketing", "market research"), ("SEO",)),
    "chemistry": (("analytical chemistry", "laboratory safety"), ("chromatography",)),
    "mechatronics": (("robotics", "sensor integration"), ("industrial automation",)),
    "fashion_design": (("pattern making", "textile technology"), ("CAD for fashion",)),
    "agriculture": (("fruit picking", "crop handling"), ("greenhouse work", "packing")),
    "circular_economy": (("waste management", "recycling processes"),
                         ("life-cycle assessment",)),
}
STUDY_FIELDS = {
    "ict": "computer science", "electrical_engineering": "electrical engineering",
    "mechanical_engineering": "mechanical engineering", "civil_engineering": "civil engineering",
    "renewable_energy": "energy engineering", "agrifood": "food science",
    "logistics": "logistics", "tourism_hospitality": "hospitality management",
    "healthcare": "nursing", "finance": "finance", "marketing": "marketing",
    "chemistry": "chemistry", "mechatronics": "mechatronics", "fashion_design": "fashion design",
    "agriculture": "agriculture", "circular_economy": "environmental science",
}


def skills(rng: random.Random, sector: str) -> list[dict[str, str]]:
    """A trainee's skills: every required skill of the sector and some of its extras."""
    required, extras = SECTOR_SKILLS[sector]
    chosen = [s for s in extras if rng.random() < 0.5]
    return [{"label": label} for label in (*required, *chosen)]


def identity(rng: random.Random, *, gender: str, nationality: str, number: int,
             domain: str) -> dict[str, Any]:
    """Name, e-mail, phone and residence of a person; ``number`` keeps e-mails unique."""
    given_names, family_names = NAMES[nationality]
    given, family = rng.choice(given_names[gender]), rng.choice(family_names)
    # E-mail addresses in ASCII: Aïssatou Cissé writes aissatou.cisse.
    local = unicodedata.normalize("NFKD", f"{given}.{family}".lower().replace(" ", "")
                                  ).encode("ascii", "ignore").decode()
    return {
        "given_name": given, "family_name": family,
        "email": f"{local}.{number:03d}@{domain}",
        "phone": f"{PHONE_PREFIX[nationality]}{rng.randint(10_000_000, 99_999_999)}",
        "gender": gender, "nationality": nationality, "residence_country": nationality,
        "residence_city": rng.choice(CITIES[nationality]),
    }
