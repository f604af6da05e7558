from .points import PointEvent, PointRule, PointRuleChange
from .questions import ImportJob, Question, QuestionBank, QuestionType, QuestionVersion, Tag
from .quizzes import Answer, Attempt, AttemptItem, Paper, PaperQuestion, PaperRule
from .review import NotebookEntry, ReviewLog
from .study_rules import StudyHoursRule
from .videos import Heartbeat, Lesson, Series, StudyCredit, Upload, WatchProgress, WatchSpan

__all__ = [
    "Answer",
    "Heartbeat",
    "Lesson",
    "Series",
    "StudyCredit",
    "StudyHoursRule",
    "Upload",
    "WatchProgress",
    "WatchSpan",
    "Attempt",
    "ImportJob",
    "AttemptItem",
    "NotebookEntry",
    "Paper",
    "PaperQuestion",
    "PaperRule",
    "PointEvent",
    "PointRule",
    "PointRuleChange",
    "Question",
    "QuestionBank",
    "QuestionType",
    "QuestionVersion",
    "ReviewLog",
    "Tag",
]
