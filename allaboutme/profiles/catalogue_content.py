"""The words of the "All About Me" profile: nine sections of questions.

Plain data only, so ``catalogue`` can build and check its dataclasses from it
without an import cycle. Questions are in the child's own voice; intros speak
to the child. ``young_*`` wording is for 6 to 10 year olds and appears only
where the usual words would be hard. A choice is ``(key, label, emoji)``; a
scale's choices label its points 1 to 5. Every label is wrapped in ``_l`` so it
is extracted for translation. Keys are stored with answers: never rename one.
"""

from __future__ import annotations

from typing import Any

from allaboutme.i18n import _l


def ask(key: str, kind: str, label: Any, help: Any = None, **more: Any) -> dict[str, Any]:
    """One question as plain fields (``more``: young wording, choices, limits)."""
    return {"key": key, "type": kind, "label": label, "help": help, **more}


# The tables below are laid out by hand, a few lines per question, so they stay
# readable; the formatter would put every field on its own line.
# fmt: off
FEELINGS = (
    ("1", _l("Very sad"), "😢"),
    ("2", _l("A bit sad"), "🙁"),
    ("3", _l("In the middle"), "😐"),
    ("4", _l("Happy"), "🙂"),
    ("5", _l("Very happy"), "😄"),
)
WORRIES = (
    ("1", _l("Not worried"), "😌"),
    ("2", _l("A little worried"), "🙂"),
    ("3", _l("Some worries"), "😐"),
    ("4", _l("Quite worried"), "😟"),
    ("5", _l("Very worried"), "😰"),
)
TAP_A_FACE = _l("Tap the face that is most like me.")
PICK_ANY = _l("Pick as many as I like.")

ABOUT_ME = {
    "key": "about_me", "emoji": "⭐",
    "title": _l("About me"), "young_title": _l("This is me"),
    "intro": _l("Tell people who you are, in your own words. You can skip any question."),
    "young_intro": _l("Tell us all about you! You can skip any question."),
    "questions": (
        ask("name", "text", _l("What do I like to be called?"),
            _l("My name, a nickname, or how to say my name."), max_length=100),
        ask("feeling_today", "scale", _l("How am I feeling today?"), TAP_A_FACE,
            choices=FEELINGS),
        ask("words_about_me", "list", _l("Three words that describe me"),
            _l("Like funny, kind, sporty or curious. I can add more than three."),
            young_label=_l("Words that are like me"), young_help=_l("Like funny or kind."),
            max_length=50, max_items=10),
        ask("right_about_me", "text", _l("What do people get right about me?"),
            _l("Things people notice about me that are true."),
            young_label=_l("What do people say about me that is true?")),
        ask("wrong_about_me", "text", _l("What do people sometimes get wrong about me?"),
            _l("Something I wish people understood better."),
            young_label=_l("What do people get wrong about me?"),
            young_help=_l("Something I wish people knew.")),
        ask("proud_of", "text", _l("What am I proud of?"),
            _l("Something I have done, learned or got through."),
            young_help=_l("Something I did that made me feel great.")),
    ),
}

PEOPLE = {
    "key": "people", "emoji": "👪",
    "title": _l("My people"), "young_title": _l("People I love"),
    "intro": _l("The people and animals who matter to you, and who you want to keep seeing."),
    "young_intro": _l("Tell us about your special people and pets."),
    "questions": (
        ask("important_people", "list", _l("Who is important to me?"),
            _l("Family, friends, carers, teachers or anyone else. I can say why."),
            young_label=_l("Who are my special people?")),
        ask("keep_seeing", "list", _l("Who would I like to keep seeing or talking to?"),
            _l("Like brothers and sisters, parents, grandparents, friends or a teacher."),
            young_label=_l("Who do I want to keep seeing?")),
        ask("keep_in_touch", "multi_choice", _l("How do I like to keep in touch?"), PICK_ANY,
            young_label=_l("How do I like to stay in touch?"),
            choices=(
                ("in_person", _l("Seeing them in person"), "🤝"),
                ("phone", _l("Phone calls"), "📞"),
                ("video", _l("Video calls"), "📹"),
                ("messages", _l("Messages"), "💬"),
                ("letters", _l("Letters and cards"), "✉️"),
                ("not_sure", _l("I'm not sure yet"), "🤔"),
            )),
        ask("pets", "list", _l("My pets, or animals I love"),
            _l("Pets I have now or used to have, and their names."),
            young_label=_l("My pets and their names")),
        ask("talk_to", "text", _l("Who do I go to when I need to talk?"),
            _l("Someone I trust, and why."),
            young_label=_l("Who do I talk to when I need help?")),
    ),
}

HERITAGE = {
    "key": "heritage", "emoji": "🌍",
    "title": _l("My heritage and culture"), "young_title": _l("Where I come from"),
    "intro": _l("Your culture, languages, faith and traditions are part of who you are. "
                "Share what feels right to you."),
    "young_intro": _l("Tell us where your family is from, the languages you speak and "
                      "the special days you enjoy."),
    "questions": (
        ask("culture", "text", _l("Where does my family come from, and what is my culture?"),
            _l("Like a country, a town, a community or a way of life that is part of me."),
            young_label=_l("Where does my family come from?"),
            young_help=_l("A country, a town or a place that is special to my family.")),
        ask("languages", "list", _l("What languages do I speak?"),
            _l("One language in each box. I can put the one I find easiest first."),
            young_label=_l("What languages can I talk in?"),
            young_help=_l("One language in each box."), max_length=60, max_items=10),
        ask("faith", "choice", _l("Do I have a faith or religion?"),
            _l("This is up to me. I can choose not to say."),
            young_label=_l("Do I have a religion?"),
            choices=(
                ("yes", _l("Yes"), None),
                ("not_sure", _l("I'm not sure"), None),
                ("no", _l("No"), None),
                ("prefer_not_to_say", _l("I don't want to say"), None),
            )),
        ask("beliefs", "text", _l("My faith or beliefs, in my own words"),
            _l("Only if I want to share. Like my religion, what I believe, or where I worship."),
            young_label=_l("What is my religion, or what do I believe?"), max_length=500),
        ask("faith_practice", "multi_choice", _l("How do I practise my faith?"),
            _l("Pick any that are part of my life, or \"I don't want to say\"."),
            young_label=_l("What do I do for my religion?"),
            choices=(
                ("prayer", _l("Praying, or prayer at set times"), None),
                ("fasting", _l("Fasting"), None),
                ("worship", _l("Going to a place of worship"), None),
                ("holy_book", _l("Reading or learning a holy book"), None),
                ("food_rules", _l("Food I must or must not eat"), None),
                ("clothing", _l("Clothes, jewellery or a head covering"), None),
                ("festivals", _l("Religious festivals"), None),
                ("prefer_not_to_say", _l("I don't want to say"), None),
            )),
        ask("food", "text", _l("What food do I eat, and what don't I eat?"),
            _l("Like halal, kosher or vegetarian food, food from home I love, or food I "
               "can't have."),
            young_help=_l("Food I love from home, and food I don't eat.")),
        ask("hair_and_skin", "text", _l("How do I look after my hair and skin?"),
            _l("Products I use, how often, and who helps me. Like oils, creams, braids, "
               "wraps or a barber I like."),
            young_help=_l("Things I use, and who helps me.")),
        ask("festivals", "list", _l("Which festivals and special days do I celebrate?"),
            _l("Like Eid, Diwali, Christmas, Lunar New Year, Passover or my birthday."),
            young_label=_l("What special days do I celebrate?")),
    ),
}

LIKES = {
    "key": "likes", "emoji": "🎨",
    "title": _l("Things I like"), "young_title": _l("Things I love"),
    "intro": _l("What you enjoy, what you're into, and what you would rather avoid."),
    "young_intro": _l("Tell us what you love doing!"),
    "questions": (
        ask("activities", "multi_choice", _l("What do I like doing?"), PICK_ANY,
            young_label=_l("What do I love to do?"),
            choices=(
                ("sport", _l("Sport"), "⚽"),
                ("music", _l("Music"), "🎵"),
                ("art", _l("Drawing and art"), "🎨"),
                ("reading", _l("Reading"), "📚"),
                ("games", _l("Games"), "🎮"),
                ("dancing", _l("Dancing"), "💃"),
                ("cooking", _l("Cooking"), "🍳"),
                ("outdoors", _l("Being outdoors"), "🌳"),
                ("animals", _l("Animals"), "🐾"),
                ("making", _l("Building and making things"), "🧱"),
                ("films_tv", _l("Films and TV"), "📺"),
                ("something_else", _l("Something else"), "✨"),
            )),
        ask("favourite_things", "text", _l("What are my favourite things?"),
            _l("Like food, films, music, games, colours or places.")),
        ask("clubs", "list", _l("Clubs or activities I go to, or would like to try"),
            _l("Like football, swimming, cadets, a youth club or a choir."),
            young_label=_l("Clubs I go to, or want to try")),
        ask("dislikes", "text", _l("What don't I like?"),
            _l("Like foods, noises, or things that annoy me.")),
        ask("best_day", "text", _l("What would my perfect day be like?"),
            young_label=_l("What would my best day ever be like?")),
    ),
}

WORRIES_SECTION = {
    "key": "worries", "emoji": "🌈",
    "title": _l("Worries and feeling safe"), "young_title": _l("Feeling safe"),
    "intro": _l("Everyone has worries. Telling people about yours helps them keep you safe "
                "and happy."),
    "young_intro": _l("Everyone feels worried sometimes. Tell us what helps you feel safe."),
    "questions": (
        ask("worry_level", "scale", _l("How worried do I feel at the moment?"), TAP_A_FACE,
            young_label=_l("How worried am I today?"), choices=WORRIES),
        ask("what_worries_me", "text", _l("What worries me?"),
            _l("Big or small, anything that is on my mind."),
            young_label=_l("What makes me feel worried?")),
        ask("feel_safe", "text", _l("What makes me feel safe?"),
            _l("People, places, things or routines."),
            young_label=_l("What helps me feel safe?")),
        ask("safe_things", "multi_choice", _l("Things that help me feel safe"), PICK_ANY,
            choices=(
                ("light_on", _l("A light on at night"), "💡"),
                ("door_open", _l("My door a little bit open"), "🚪"),
                ("knock_first", _l("People knocking before they come in"), "✋"),
                ("comfort_toy", _l("A favourite toy or blanket"), "🧸"),
                ("know_the_plan", _l("Knowing what will happen next"), "🗓️"),
                ("someone_near", _l("Someone nearby"), "🫂"),
                ("quiet_place", _l("A quiet place to go"), "🤫"),
                ("music", _l("Music or sounds I like"), "🎧"),
            )),
        ask("moving_worries", "text", _l("If I move somewhere new, what would worry me?"),
            _l("Things I would like someone to know about or sort out."),
            young_label=_l("Is there anything about moving that worries me?")),
    ),
}

SUPPORT = {
    "key": "support", "emoji": "🤗",
    "title": _l("What helps me"), "young_title": _l("What helps me"),
    "intro": _l("How the adults around you can help, and what they should not do."),
    "young_intro": _l("Tell grown-ups how they can help you."),
    "questions": (
        ask("when_worried", "text", _l("When I'm worried or upset, what helps?"),
            _l("Like a hug, time alone, talking, music or going for a walk."),
            young_label=_l("When I feel sad or cross, what helps me?")),
        ask("calm_down", "multi_choice", _l("What helps me calm down?"), PICK_ANY,
            choices=(
                ("talking", _l("Talking to someone"), "🗣️"),
                ("time_alone", _l("Some time on my own"), "🛋️"),
                ("hug", _l("A hug"), "🤗"),
                ("music", _l("Music"), "🎧"),
                ("outside", _l("Going outside or for a walk"), "🚶"),
                ("drawing", _l("Drawing or writing"), "✏️"),
                ("snack", _l("A drink or a snack"), "🍪"),
                ("breathing", _l("Slow breathing"), "🌬️"),
                ("animal", _l("Being with an animal"), "🐾"),
            )),
        ask("adults_should_not", "text", _l("What should adults not do?"),
            _l("Things that make it harder for me, like shouting, talking about me in front "
               "of me, or coming in without knocking."),
            young_label=_l("What should grown-ups not do?"),
            young_help=_l("Things that upset me, like shouting.")),
        ask("adults_who_help", "text", _l("What do the adults who help me most do?"),
            _l("What makes an adult easy to talk to and to trust."),
            young_label=_l("What do kind grown-ups do that I like?")),
        ask("hearing_news", "multi_choice", _l("How do I like to be told news?"),
            _l("Big news or small news. Pick as many as I like."),
            young_label=_l("How do I like to hear news?"),
            choices=(
                ("face_to_face", _l("Face to face"), "🗣️"),
                ("with_someone", _l("With someone I trust there"), "🤝"),
                ("somewhere_quiet", _l("Somewhere quiet"), "🤫"),
                ("straight_away", _l("As soon as possible"), "⚡"),
                ("warning_first", _l("With a warning first"), "⏰"),
                ("written_down", _l("Written down too, so I can read it again"), "📝"),
                ("time_for_questions", _l("With time to ask questions"), "❓"),
            )),
        ask("understand_me", "text", _l("How can adults help me understand things?"),
            _l("Like simple words, pictures, an interpreter, or checking I have understood."),
            young_label=_l("How can grown-ups help me understand?")),
    ),
}

SCHOOL = {
    "key": "school", "emoji": "🎒",
    "title": _l("School and learning"), "young_title": _l("My school"),
    "intro": _l("Your school or college, what you enjoy there, and what could be easier."),
    "young_intro": _l("Tell us about school."),
    "questions": (
        ask("school_name", "text", _l("Where do I go to school or college?"),
            _l("Its name and my year, or what I'm doing if I'm not at school right now."),
            young_label=_l("Where do I go to school?"),
            young_help=_l("Its name, and what year I'm in."), max_length=200),
        ask("school_feeling", "scale", _l("How do I feel about school?"), TAP_A_FACE,
            choices=FEELINGS),
        ask("favourite_subjects", "multi_choice", _l("What are my favourite subjects?"),
            PICK_ANY, young_label=_l("What do I like learning about?"),
            choices=(
                ("maths", _l("Maths"), "🔢"),
                ("english", _l("English and reading"), "📖"),
                ("science", _l("Science"), "🔬"),
                ("art", _l("Art"), "🎨"),
                ("music", _l("Music"), "🎵"),
                ("pe", _l("PE and sport"), "🏃"),
                ("computing", _l("Computing"), "💻"),
                ("history", _l("History"), "🏰"),
                ("geography", _l("Geography"), "🗺️"),
                ("languages", _l("Languages"), "💬"),
                ("drama", _l("Drama"), "🎭"),
                ("technology", _l("Design and technology"), "🛠️"),
            )),
        ask("hard_at_school", "text", _l("What is hard for me at school?"),
            _l("Lessons, friendships, getting there, or anything else."),
            young_label=_l("What is tricky at school?")),
        ask("help_i_get", "text", _l("What help do I get at school?"),
            _l("Like a helper in class, extra time, a quiet space, or an EHCP."),
            young_label=_l("Who helps me at school, and how?"),
            young_help=_l("Like a teacher or helper who sits with me.")),
        ask("help_i_want", "text", _l("What help would make school better for me?"),
            young_label=_l("What would make school easier?")),
    ),
}

ASPIRATIONS = {
    "key": "aspirations", "emoji": "🚀",
    "title": _l("Hopes and dreams"), "young_title": _l("My dreams"),
    "intro": _l("What you hope for, now and in the future. Dream big!"),
    "young_intro": _l("What do you dream of doing? Dream big!"),
    "questions": (
        ask("hopes_and_dreams", "text", _l("What are my hopes and dreams?"),
            _l("For now, for next year, or for when I'm older."),
            young_label=_l("What do I dream about?")),
        ask("good_at_now", "list", _l("What am I good at?"),
            _l("Things I can do well, big or small.")),
        ask("want_to_be_good_at", "list", _l("What do I want to be good at?"),
            _l("Skills, sports, subjects, or anything else I want to learn."),
            young_label=_l("What do I want to get really good at?")),
        ask("when_older", "text", _l("What would I like to do when I'm older?"),
            _l("A job, a place to live, travelling, a family. Anything."),
            young_label=_l("What do I want to be when I grow up?")),
        ask("help_to_get_there", "text", _l("What would help me get there?"),
            _l("People, clubs, courses or chances I would like."),
            young_label=_l("Who or what could help me?")),
    ),
}

NEW_HOME = {
    "key": "new_home", "emoji": "🏡",
    "title": _l("My new home"), "young_title": _l("My new home"),
    "intro": _l("If you move, this helps your new home get ready for you."),
    "young_intro": _l("If you move, this helps the grown-ups in your new home get ready "
                      "for you."),
    "questions": (
        ask("should_know", "text", _l("What I'd like my new home to know"),
            _l("Anything that would help them understand and welcome me."),
            young_label=_l("What do I want my new home to know about me?"), max_length=2000),
        ask("moving_feeling", "scale", _l("How do I feel about moving?"),
            _l("Tap the face that is most like me. It's okay to feel lots of things."),
            choices=FEELINGS),
        ask("bring_with_me", "list", _l("What would I like to bring with me?"),
            _l("Like a toy, photos, my bike, my bedding, or things that remind me of home."),
            young_label=_l("What do I want to bring?")),
        ask("bedtime", "text", _l("What is my bedtime routine?"),
            _l("When I go to bed, and what helps me sleep, like a story, a night light or "
               "the door open."),
            young_label=_l("What do I do at bedtime?")),
        ask("mealtimes", "text", _l("What are mealtimes like for me?"),
            _l("Foods I love, foods I won't eat, allergies, and when I like to eat."),
            young_label=_l("What do I like to eat?")),
        ask("my_room", "text", _l("What would I like my bedroom to be like?"),
            _l("Colours, posters, my own things, or anything that makes it feel like mine."),
            young_label=_l("What would I like in my bedroom?")),
        ask("first_day", "text", _l("What would help on my first day?"),
            _l("Like seeing photos first, meeting people before I move, or a tour.")),
    ),
}
# fmt: on

SECTIONS = (
    ABOUT_ME,
    PEOPLE,
    HERITAGE,
    LIKES,
    WORRIES_SECTION,
    SUPPORT,
    SCHOOL,
    ASPIRATIONS,
    NEW_HOME,
)
